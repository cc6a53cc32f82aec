import { createEvent, findPayloadProblem, PipelineEvent, toKafkaMessage } from './envelope';

/** The first unsafe key at any depth (no depth limit), as the envelope's check finds it. */
const unsafeKeyIn = (value: unknown) => findPayloadProblem(value, { maxDepth: Infinity });
import { somedataItems } from './somedata';
import { Match } from './footdata';

const match = {
  id: 498_231,
  utcDate: '2026-11-24T20:00:00Z',
  status: 'IN_PLAY',
  lastUpdated: '2026-11-24T20:31:00Z',
  competition: { id: 2015, name: 'Ligue 1', code: 'FL1' },
  area: { id: 2081, name: 'France', code: 'FRA' },
  homeTeam: { id: 524, name: 'Paris Saint-Germain FC' },
  awayTeam: { id: 516, name: 'Olympique de Marseille' },
  score: { winner: null, fullTime: { home: 1, away: 0 }, halfTime: { home: 1, away: 0 } },
};

describe('the event envelope', () => {
  it('builds a somedata event keyed by its data, with the headers of docs/ARCHITECTURE.md §4', () => {
    const event = createEvent(
      'somedata',
      { data: 'car', number: 2, items: somedataItems('car', 2) },
      { source: 'api' },
    );
    expect(PipelineEvent.parse(event)).toEqual(event);
    expect(event.eventId).toMatch(/^[0-9a-f-]{14}7/); // uuid v7
    const message = toKafkaMessage(event, 'req-1');
    expect(message.key).toBe('car');
    expect(message.headers).toEqual({ 'content-type': 'application/json', schema: 'somedata.v1', 'trace-id': 'req-1' });
    expect(JSON.parse(message.value)).toEqual(event);
  });

  it('keys a footdata event by match id and keeps upstream fields it does not know', () => {
    const payload = Match.parse({ ...match, referees: [{ id: 1, name: 'A. Ref' }] });
    const event = createEvent('footdata', payload, { source: 'job:42', runId: 'manual__2026-11-24T10:00:00+00:00' });
    expect(toKafkaMessage(event).key).toBe('498231');
    expect(PipelineEvent.parse(event).payload).toHaveProperty('referees');
  });

  it.each([
    ['a wrong type', { type: 'otherdata' }],
    ['a version from the future', { version: 2 }],
    ['a non-v7 id', { eventId: '6fa459ea-ee8a-3ca4-894e-db77e160355e' }],
    ['a bad source', { source: 'browser' }],
    ['an extra field', { extra: true }],
  ])('rejects %s', (_what, change) => {
    const event = createEvent('somedata', { data: 'car', number: 1, items: { '0': 'car' } }, { source: 'api' });
    expect(PipelineEvent.safeParse({ ...event, ...change }).success).toBe(false);
  });

  it('rejects payload keys MongoDB cannot store, wherever they hide', () => {
    const hostile = { ...match, extra: [{ ok: { 'a.b': 1 } }] };
    const event = createEvent('footdata', hostile as never, { source: 'api' });
    const result = PipelineEvent.safeParse(event);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/unsafe key "a.b"/);
    expect(unsafeKeyIn({ $where: 'x' })).toEqual({ kind: 'unsafe-key', key: '$where', path: ['$where'] });
    expect(unsafeKeyIn({ fine: [1, { also: 'fine' }] })).toBeUndefined();
  });

  it('refuses a payload nested deeper than the limit without a stack overflow, at any depth', () => {
    for (const depth of [65, 10_000, 1_000_000]) {
      let extra: unknown = 1;
      for (let level = 1; level < depth; level++) extra = [extra];
      const event = createEvent('footdata', { ...match, extra } as never, { source: 'api' });
      const result = PipelineEvent.safeParse(event);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/nested more than 64 levels/);
      expect(unsafeKeyIn(extra)).toBeUndefined();
    }
  });

  it('finds an unsafe key below deep nesting too, in document order', () => {
    let deep: unknown = { 'x.y': 1 };
    for (let level = 0; level < 50_000; level++) deep = { a: deep };
    expect(unsafeKeyIn(deep)).toMatchObject({ kind: 'unsafe-key', key: 'x.y' });
    expect(unsafeKeyIn({ first: [{ ok: 1 }, { $second: 1 }], $third: 1 })).toEqual({
      kind: 'unsafe-key',
      key: '$second',
      path: ['first', 1, '$second'],
    });
  });
});
