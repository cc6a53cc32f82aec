import { Registry } from 'prom-client';
import { loadConfig } from '../../../lib/config';
import { createLogger } from '../../../lib/logger';
import type { SectionFeed } from './feed';
import { LivePoller, type LivePollerDeps } from './poller';
import type { SectionName, Sections } from '../../../lib/live-sections';
import { utcDay } from './http-sources';
import { scoreLine } from './sources';

// Nothing here connects: the poller's loops never start (no subscriber), sections are published by hand.
const deps = (): LivePollerDeps =>
  ({
    config: loadConfig({}),
    log: createLogger({ service: 'test', level: 'silent' }),
    queue: {},
    kafka: {},
    db: {},
    registry: new Registry(),
    redisAnswers: async () => true,
    dashboardPath: '/admin/queues',
  }) as unknown as LivePollerDeps;

const publish = <K extends SectionName>(poller: LivePoller, name: K, data: Sections[K]) =>
  (poller as unknown as { feed: SectionFeed }).feed.publish(name, data);

const ids = (messages: string[]) => messages.map((message) => /^id: (\S+)\nevent: (\S+)/.exec(message)!.slice(1, 3));

describe('LivePoller snapshots and Last-Event-ID', () => {
  it('sends every section to a new page, only the changed ones to a page that resumes, all to a page of another boot', () => {
    const poller = new LivePoller(deps());
    publish(poller, 'standings', { at: '2026-12-01T00:00:00Z', tables: [] });
    publish(poller, 'events', { at: '2026-12-01T00:00:00Z', events: [] });
    const first = poller.snapshot();
    expect(ids(first)).toEqual([
      [`${poller.boot}.1`, 'standings'],
      [`${poller.boot}.2`, 'events'],
    ]);
    publish(poller, 'events', {
      at: '2026-12-01T00:00:01Z',
      events: [{ eventId: 'e', topic: 'somedata', storedAt: null, summary: 'car ×1', kafka: null, source: 'api' }],
    });
    expect(ids(poller.snapshot(`${poller.boot}.2`))).toEqual([[`${poller.boot}.3`, 'events']]);
    expect(poller.snapshot(`${poller.boot}.3`)).toEqual([]);
    expect(ids(poller.snapshot('0badb007.99')).map(([, name]) => name)).toEqual(['standings', 'events']);
    for (const junk of ['', 'x', `${poller.boot}.`, `${poller.boot}.-1`, `${poller.boot}.1e9`, 'a'.repeat(10_000)])
      expect(poller.snapshot(junk)).toHaveLength(2);
  });

  it('does not send a section again when only its reading time changed', () => {
    const poller = new LivePoller(deps());
    publish(poller, 'standings', { at: '2026-12-01T00:00:00Z', tables: [] });
    publish(poller, 'standings', { at: '2026-12-01T00:00:05Z', tables: [] });
    expect(ids(poller.snapshot())).toEqual([[`${poller.boot}.1`, 'standings']]);
    expect(poller.snapshot(`${poller.boot}.1`)).toEqual([]);
  });

  it('refuses options that are not whole numbers above 0, naming them', () => {
    expect(() => new LivePoller(deps(), { pollMs: 0 })).toThrow(/pollMs/);
    expect(() => new LivePoller(deps(), { historyPoints: 1.5 })).toThrow(/historyPoints/);
  });
});

describe('what the sources derive', () => {
  it('the UTC day of an instant, at the edges of the day and of the calendar', () => {
    expect(utcDay(new Date('2026-12-31T23:59:59.999Z'))).toEqual({ from: '2026-12-31', to: '2027-01-01' });
    expect(utcDay(new Date('2028-02-29T00:00:00Z'))).toEqual({ from: '2028-02-29', to: '2028-03-01' });
  });

  it('a score line only from whole numbers', () => {
    expect(scoreLine({ score: { fullTime: { home: 2, away: 0 } } })).toBe('2–0');
    expect(scoreLine({ score: { fullTime: { home: null, away: 0 } } })).toBe('–');
    expect(scoreLine({ score: { fullTime: { home: '1', away: 0 } } })).toBe('–');
    expect(scoreLine({})).toBe('–');
  });
});
