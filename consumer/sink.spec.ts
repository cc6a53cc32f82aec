import type { KafkaMessage } from 'kafkajs';
import { MongoBulkWriteError, MongoNetworkError, type AnyBulkWriteOperation, type Collection } from 'mongodb';
import { isRetriable } from '../lib/errors';
import { StoreUnavailableError, writePlan, WriteRejectedError } from './sink';
import type { PlannedWrite, SinkDocument, SinkRecord, WritePlan } from './write-models/types';

type Ops = AnyBulkWriteOperation<SinkDocument>[];
const counts = { insertedCount: 0, upsertedCount: 0, modifiedCount: 0 };

function bulkError(writeErrors: { code: number; index: number; errmsg?: string }[], result = {}): MongoBulkWriteError {
  const error = Object.create(MongoBulkWriteError.prototype) as MongoBulkWriteError;
  Object.assign(error, {
    message: 'bulk failed',
    result: { ...counts, ...result, getWriteConcernError: () => undefined, getWriteErrors: () => writeErrors },
  });
  return error;
}

/** A collection whose bulkWrite answers with `answer(ops, ordered)`, recording each call. */
function fakeCollection(answer: (ops: Ops, ordered: boolean) => object) {
  const calls: { ops: Ops; ordered: boolean }[] = [];
  const collection = {
    collectionName: 'things',
    bulkWrite: async (ops: Ops, options: { ordered: boolean }) => {
      calls.push({ ops, ordered: options.ordered });
      return { ...counts, ...answer(ops, options.ordered) };
    },
  } as unknown as Collection<SinkDocument>;
  return { collection, calls };
}

function insert(id: string): PlannedWrite {
  const record = { origin: { topic: 't', partition: 0, offset: 1 }, message: {} as KafkaMessage } as SinkRecord;
  return { record, ops: [{ insertOne: { document: { _id: id } } }] };
}
const planOf = (writes: PlannedWrite[], superseded: SinkRecord[] = []): WritePlan => ({ writes, superseded });

describe('the bulk write of a batch', () => {
  it('writes every record in one unordered bulk and counts superseded records as duplicates', async () => {
    const { collection, calls } = fakeCollection(() => ({ insertedCount: 2 }));
    const result = await writePlan(collection, planOf([insert('a'), insert('b')], [insert('a').record]));
    expect(result).toEqual({ written: 2, duplicates: 1, rejected: [] });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.ordered).toBe(false);
  });

  it('counts duplicate keys of inserts as already stored', async () => {
    const { collection } = fakeCollection(() => {
      throw bulkError([{ code: 11000, index: 1 }], { insertedCount: 2 });
    });
    expect(await writePlan(collection, planOf([insert('a'), insert('b'), insert('c')]))).toEqual({
      written: 2,
      duplicates: 1,
      rejected: [],
    });
  });

  it.each([
    ['a network error', new MongoNetworkError('connection reset')],
    ['a not-primary write error', bulkError([{ code: 10107, index: 0 }])],
    ['a duplicate key on an upsert (two writers raced)', bulkError([{ code: 11000, index: 0 }])],
  ])('turns %s into a retriable StoreUnavailableError', async (_what, error) => {
    const { collection } = fakeCollection(() => {
      throw error;
    });
    const upsert: PlannedWrite = {
      record: insert('a').record,
      ops: [{ updateOne: { filter: { _id: 'a' }, update: { $setOnInsert: {} }, upsert: true } }],
    };
    const failure = await writePlan(collection, planOf([upsert])).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(isRetriable(failure)).toBe(true);
  });

  it('writes record by record when the store refuses some, and hands back exactly those', async () => {
    const { collection, calls } = fakeCollection((ops) => {
      const id = (ops[0] as { insertOne: { document: SinkDocument } }).insertOne.document._id;
      if (ops.length > 1) throw bulkError([{ code: 2, index: 0, errmsg: 'nested arrays are not supported' }]);
      if (id === 'bad') throw bulkError([{ code: 2, index: 0, errmsg: 'nested arrays are not supported' }]);
      if (id === 'old') throw bulkError([{ code: 11000, index: 0 }]);
      return { insertedCount: 1 };
    });
    const bad = insert('bad');
    const result = await writePlan(collection, planOf([insert('a'), bad, insert('old'), insert('b')]));
    expect(result.written).toBe(2);
    expect(result.duplicates).toBe(1);
    expect(result.rejected.map((rejection) => rejection.record)).toEqual([bad.record]);
    expect(result.rejected[0]?.error).toBeInstanceOf(WriteRejectedError);
    expect(result.rejected[0]?.error.message).toMatch(/code 2\): nested arrays are not supported/);
    expect(isRetriable(result.rejected[0]?.error)).toBe(false);
    expect(calls.slice(1).every((call) => call.ops.length === 1)).toBe(true);
  });

  it('does nothing for a batch with nothing to write', async () => {
    const { collection, calls } = fakeCollection(() => ({}));
    expect(await writePlan(collection, planOf([], [insert('a').record]))).toEqual({
      written: 0,
      duplicates: 1,
      rejected: [],
    });
    expect(calls).toHaveLength(0);
  });
});
