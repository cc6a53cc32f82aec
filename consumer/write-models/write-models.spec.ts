import type { KafkaMessage } from 'kafkajs';
import type { FootdataEvent, PipelineEvent, SomedataEvent } from '../../lib/schemas';
import { aMatch, footdataEvent, somedataEvent } from '../../harness/consumer';
import { footdataModel } from './footdata';
import { somedataModel } from './somedata';
import type { SinkRecord } from './types';

const storedAt = new Date('2026-11-24T21:00:00Z');
let offset = 0;
function sinkRecord<E extends PipelineEvent>(event: E): SinkRecord<E> {
  offset += 1;
  return { event, origin: { topic: 't', partition: 1, offset }, message: {} as KafkaMessage };
}

describe('the somedata write model', () => {
  it('inserts the envelope under _id = eventId, with _kafka, runId and storedAt', () => {
    const record = sinkRecord<SomedataEvent>(somedataEvent('car', 2, 'manual__1'));
    const { writes, superseded } = somedataModel.plan([record], storedAt);
    expect(superseded).toEqual([]);
    expect(writes[0]?.ops).toEqual([
      {
        insertOne: {
          document: {
            _id: record.event.eventId,
            type: 'somedata',
            version: 1,
            producedAt: new Date(record.event.producedAt),
            source: 'api',
            payload: { data: 'car', number: 2, items: { '0': 'car', '1': 'car' } },
            _kafka: record.origin,
            runId: 'manual__1',
            storedAt,
          },
        },
      },
    ]);
  });

  it('writes an event seen twice in one batch once', () => {
    const event = somedataEvent();
    const [first, again] = [sinkRecord(event), sinkRecord(event)];
    const plan = somedataModel.plan([first, again], storedAt);
    expect(plan.writes.map((write) => write.record)).toEqual([first]);
    expect(plan.superseded).toEqual([again]);
  });
});

describe('the footdata write model', () => {
  it('inserts the match if absent and replaces it only when the stored state is older', () => {
    const record = sinkRecord<FootdataEvent>(footdataEvent(aMatch()));
    const [write] = footdataModel.plan([record], storedAt).writes;
    const id = record.event.payload.id;
    const lastUpdated = new Date(record.event.payload.lastUpdated);
    const [insert, replace] = [...write!.ops, ...(write!.ifTaken ?? [])] as [
      { insertOne: { document: Record<string, unknown> } },
      { replaceOne: { filter: object; replacement: Record<string, unknown> } },
    ];
    expect(replace.replaceOne.filter).toEqual({ _id: id, lastUpdated: { $lt: lastUpdated } });
    expect(insert.insertOne.document).toEqual({ _id: id, ...replace.replaceOne.replacement });
    expect(replace.replaceOne.replacement).toMatchObject({
      id,
      utcDate: new Date('2026-11-24T20:00:00Z'),
      lastUpdated,
      status: 'IN_PLAY',
      competition: { code: 'FL1' },
      area: { code: 'FRA' },
      homeTeam: { name: 'Paris Saint-Germain FC' },
      awayTeam: { name: 'Olympique de Marseille' },
      score: { fullTime: { home: 1, away: 0 } },
      eventId: record.event.eventId,
      _kafka: record.origin,
      runId: null,
      storedAt,
    });
    expect(replace.replaceOne.replacement).not.toHaveProperty('_id');
  });

  it('writes only the newest state of a match seen several times in a batch, whatever their order', () => {
    const match = aMatch();
    const newer = sinkRecord<FootdataEvent>(footdataEvent({ ...match, lastUpdated: '2026-11-24T20:45:00Z' }));
    const older = sinkRecord<FootdataEvent>(footdataEvent({ ...match, lastUpdated: '2026-11-24T20:40:00+00:00' }));
    const tie = sinkRecord<FootdataEvent>(footdataEvent({ ...match, lastUpdated: '2026-11-24T21:45:00+01:00' }));
    const other = sinkRecord<FootdataEvent>(footdataEvent(aMatch()));
    const plan = footdataModel.plan([older, newer, other, tie], storedAt);
    expect(plan.writes.map((write) => write.record)).toEqual([newer, other]);
    expect(plan.superseded).toEqual([older, tie]);
  });

  describe('given what the store holds (read before write)', () => {
    const match = aMatch({ lastUpdated: '2026-11-24T20:40:00Z' });
    const record = sinkRecord<FootdataEvent>(footdataEvent(match));
    const lastUpdated = new Date(match.lastUpdated);
    const guardedReplace = { filter: { _id: match.id, lastUpdated: { $lt: lastUpdated } } };
    const holding = (stored: string) => new Map([[match.id, { _id: match.id, lastUpdated: new Date(stored) }]]);

    it("reads the batch's matches by _id, their lastUpdated only", () => {
      const other = sinkRecord<FootdataEvent>(footdataEvent(aMatch()));
      expect(footdataModel.reads?.([record, other, record])).toEqual({
        ids: [match.id, other.event.payload.id],
        projection: { lastUpdated: 1 },
      });
    });

    it('inserts a match the store does not hold, with the guarded replace only if the insert finds it taken', () => {
      const [write] = footdataModel.plan([record], storedAt, new Map()).writes;
      expect(write?.ops).toEqual([{ insertOne: { document: expect.objectContaining({ _id: match.id }) } }]);
      expect(write?.ifTaken).toEqual([{ replaceOne: expect.objectContaining(guardedReplace) }]);
    });

    it('replaces a match the store holds in an older state, still guarded on lastUpdated', () => {
      const plan = footdataModel.plan([record], storedAt, holding('2026-11-24T20:39:59Z'));
      expect(plan.writes).toHaveLength(1);
      expect(plan.writes[0]?.ops).toEqual([{ replaceOne: expect.objectContaining(guardedReplace) }]);
      expect(plan.writes[0]?.ifTaken).toBeUndefined();
    });

    it.each([
      ['the same', '2026-11-24T20:40:00Z'],
      ['a newer', '2026-11-24T20:41:00Z'],
    ])('writes nothing for a match the store holds in %s state: a duplicate', (_what, stored) => {
      const plan = footdataModel.plan([record], storedAt, holding(stored));
      expect(plan.writes).toEqual([]);
      expect(plan.superseded).toEqual([record]);
    });
  });
});
