import type { KafkaMessage } from 'kafkajs';
import {
  MongoBulkWriteError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
} from 'mongodb';
import { isRetriable } from '../lib/errors';
import { StoreUnavailableError, writePlan, writeRecords, WriteRejectedError } from './sink';
import type { PlannedWrite, SinkDocument, SinkRecord, WriteModel, WritePlan } from './write-models/types';

type Ops = AnyBulkWriteOperation<SinkDocument>[];
const counts = { insertedCount: 0, upsertedCount: 0, modifiedCount: 0 };

function bulkError(writeErrors: { code: number; index: number; errmsg?: string }[], result = {}): MongoBulkWriteError {
  const error = Object.create(MongoBulkWriteError.prototype) as MongoBulkWriteError;
  // As the driver raises it once every command of the bulk has answered: the write errors listed on the error too.
  Object.assign(error, {
    message: 'bulk failed',
    writeErrors,
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

  it('dead-letters a record the driver will not send (over the 16 MiB limit) and writes the others', async () => {
    const { collection } = fakeCollection((ops) => {
      const ids = ops.map((op) => (op as { insertOne: { document: SinkDocument } }).insertOne.document._id);
      if (ids.includes('huge'))
        throw new MongoInvalidArgumentError('Document is larger than the maximum size 16777216');
      return { insertedCount: ops.length };
    });
    const huge = insert('huge');
    const result = await writePlan(collection, planOf([insert('a'), huge, insert('b')]));
    expect(result.written).toBe(2);
    expect(result.rejected.map((rejection) => rejection.record)).toEqual([huge.record]);
    expect(result.rejected[0]?.error.message).toMatch(/larger than the maximum size/);
  });

  it('keeps retrying a whole-command error that says nothing about the content (a timeout, not primary)', async () => {
    const timeout = new MongoServerError({ message: 'operation exceeded time limit', code: 50 });
    const { collection } = fakeCollection(() => {
      throw timeout;
    });
    await expect(writePlan(collection, planOf([insert('a')]))).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  describe('an insert that finds its id taken (another writer stored it after the plan read the store)', () => {
    /** An insert of `id` planned with a guarded replace for the second pass. */
    function insertOrReplace(id: string): PlannedWrite {
      const replace = { replaceOne: { filter: { _id: id, lastUpdated: { $lt: new Date(2) } }, replacement: {} } };
      return { ...insert(id), ifTaken: [replace] };
    }
    const kindOf = (ops: Ops) => ops.map((op) => Object.keys(op)[0]);

    it('runs its ifTaken operations in a second pass, counted written when they changed the document', async () => {
      const { collection, calls } = fakeCollection((ops) => {
        if ('insertOne' in ops[0]!) throw bulkError([{ code: 11000, index: 1 }], { insertedCount: 2 });
        return { modifiedCount: 1 };
      });
      const plan = planOf([insertOrReplace('a'), insertOrReplace('b'), insertOrReplace('c')]);
      expect(await writePlan(collection, plan)).toEqual({ written: 3, duplicates: 0, rejected: [] });
      expect(calls.map((call) => kindOf(call.ops))).toEqual([['insertOne', 'insertOne', 'insertOne'], ['replaceOne']]);
      expect(calls[1]?.ops).toEqual(plan.writes[1]?.ifTaken);
    });

    it('counts it a duplicate when the second pass changes nothing (the store held a newer state)', async () => {
      const { collection } = fakeCollection((ops) => {
        if ('insertOne' in ops[0]!) throw bulkError([{ code: 11000, index: 0 }], { insertedCount: 1 });
        return { modifiedCount: 0 };
      });
      const plan = planOf([insertOrReplace('a'), insertOrReplace('b')]);
      expect(await writePlan(collection, plan)).toEqual({ written: 1, duplicates: 1, rejected: [] });
    });

    it('does the same when the batch is written record by record', async () => {
      const { collection, calls } = fakeCollection((ops) => {
        if (ops.length > 1) throw bulkError([{ code: 2, index: 2, errmsg: 'nested arrays are not supported' }]);
        const id = 'insertOne' in ops[0]! ? (ops[0].insertOne.document._id as string) : 'replace';
        if (id === 'bad') throw bulkError([{ code: 2, index: 0, errmsg: 'nested arrays are not supported' }]);
        if (id === 'taken') throw bulkError([{ code: 11000, index: 0 }]);
        return id === 'replace' ? { modifiedCount: 1 } : { insertedCount: 1 };
      });
      const bad = insertOrReplace('bad');
      const plan = planOf([insertOrReplace('a'), insertOrReplace('taken'), bad]);
      const result = await writePlan(collection, plan);
      expect({ ...result, rejected: result.rejected.map(({ record }) => record) }).toEqual({
        written: 2,
        duplicates: 0,
        rejected: [bad.record],
      });
      expect(calls.map((call) => kindOf(call.ops)).slice(-2)).toEqual([['replaceOne'], ['insertOne']]);
    });
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

/**
 * The errors as the driver itself builds them (mongodb lib/bulk/common.js
 * `executeCommands`): an unordered bulk runs its inserts as one command and
 * its updates as another; each answer is merged into one bulk result, and a
 * command that fails on the network ends the bulk with a MongoBulkWriteError
 * carrying only what the earlier commands answered.
 */
describe('a bulk the driver could not finish', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const driver = require('mongodb/lib/bulk/common') as {
    Batch: new (type: number, originalZeroIndex: number) => { operations: unknown[]; originalIndexes: number[] };
    BatchType: { INSERT: number; UPDATE: number };
    BulkWriteResult: new (bulkResult: object, ordered: boolean) => unknown;
    mergeBatchResults: (batch: unknown, bulkResult: object, error: unknown, result: object) => void;
  };

  /** A footdata plan for ids: insert-if-absent + replace-if-newer per match (the footdata write model). */
  function footdataPlan(ids: number[]): WritePlan {
    return planOf(
      ids.map((id) => ({
        record: { origin: { topic: 'footdata', partition: 0, offset: id }, message: {} as KafkaMessage } as SinkRecord,
        ops: [
          { insertOne: { document: { _id: id, lastUpdated: new Date(2) } } },
          {
            replaceOne: {
              filter: { _id: id, lastUpdated: { $lt: new Date(2) } },
              replacement: { lastUpdated: new Date(2) },
            },
          },
        ],
      })),
    );
  }

  /** What the driver throws when the insert command answers `insertAnswer` and the update command then fails on the network. */
  function insertsAnsweredThenUpdatesLost(ops: Ops, insertAnswer: (insertIndexes: number[]) => object) {
    const bulkResult = {
      ok: 1,
      writeErrors: [],
      writeConcernErrors: [],
      insertedIds: [],
      nInserted: 0,
      nUpserted: 0,
      nMatched: 0,
      nModified: 0,
      nRemoved: 0,
      upserted: [],
    };
    const inserts = new driver.Batch(driver.BatchType.INSERT, 0);
    ops.forEach((op, index) => {
      if ('insertOne' in op) {
        inserts.operations.push(op.insertOne.document);
        inserts.originalIndexes.push(index);
      }
    });
    driver.mergeBatchResults(inserts, bulkResult, null, insertAnswer(inserts.originalIndexes));
    // The update command's failure, wrapped as executeCommands does ("a driver related error not a bulk op error").
    return new MongoBulkWriteError(
      new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed') as never,
      new driver.BulkWriteResult(bulkResult, false) as never,
    );
  }

  it('counts a footdata batch as stored when every command answered: duplicates for the inserts, the replaces run', async () => {
    const plan = footdataPlan([1, 2, 3]);
    const ops = plan.writes.flatMap((write) => write.ops);
    const { collection } = fakeCollection(() => {
      const cut = insertsAnsweredThenUpdatesLost(ops, (indexes) => ({
        ok: 1,
        n: 0,
        writeErrors: indexes.map((_, index) => ({ index, code: 11000, errmsg: 'E11000 duplicate key error' })),
      }));
      const bulkResult = (cut.result as unknown as { result: object }).result as { writeErrors: unknown[] };
      const updates = new driver.Batch(driver.BatchType.UPDATE, 1);
      updates.originalIndexes.push(1, 3, 5);
      driver.mergeBatchResults(updates, bulkResult, null, { ok: 1, n: 2, nModified: 2 });
      // handleWriteError, once the last command has answered.
      throw new MongoBulkWriteError(
        { message: 'E11000 duplicate key error', code: 11000, writeErrors: bulkResult.writeErrors } as never,
        new driver.BulkWriteResult(bulkResult, false) as never,
      );
    });
    expect(await writePlan(collection, plan)).toEqual({ written: 2, duplicates: 1, rejected: [] });
  });

  it('retries a footdata batch whose inserts were all duplicates and whose replaces never ran', async () => {
    const plan = footdataPlan([1, 2, 3]);
    const ops = plan.writes.flatMap((write) => write.ops);
    const { collection } = fakeCollection(() => {
      throw insertsAnsweredThenUpdatesLost(ops, (indexes) => ({
        ok: 1,
        n: 0,
        writeErrors: indexes.map((_, index) => ({ index, code: 11000, errmsg: 'E11000 duplicate key error' })),
      }));
    });
    await expect(writePlan(collection, plan)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('retries an insert-only batch whose second insert command was lost after the first reported duplicates', async () => {
    const plan = planOf([insert('a'), insert('b'), insert('c')]);
    const ops = plan.writes.flatMap((write) => write.ops);
    const { collection } = fakeCollection(() => {
      // Only the first two inserts were answered (a first command), the third was in a command that never came back.
      throw insertsAnsweredThenUpdatesLost(ops.slice(0, 2), () => ({
        ok: 1,
        n: 1,
        writeErrors: [{ index: 1, code: 11000, errmsg: 'E11000 duplicate key error' }],
      }));
    });
    await expect(writePlan(collection, plan)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('reading what the store holds before planning', () => {
  it('reads the documents the model names, with its projection, and plans with what it found', async () => {
    const reads: unknown[] = [];
    const collection = {
      collectionName: 'things',
      find: (filter: unknown, options: unknown) => {
        reads.push({ filter, options });
        return { toArray: async () => [{ _id: 7, lastUpdated: new Date(1) }] };
      },
      bulkWrite: async () => ({ ...counts, modifiedCount: 1 }),
    } as unknown as Collection<SinkDocument>;
    const held: unknown[] = [];
    const model: WriteModel = {
      reads: () => ({ ids: [7, 8], projection: { lastUpdated: 1 } }),
      plan: (records, _storedAt, found) => {
        held.push(found);
        return planOf([insert('x')]);
      },
    };
    await writeRecords(collection, model, [insert('x').record]);
    expect(reads).toEqual([{ filter: { _id: { $in: [7, 8] } }, options: { projection: { lastUpdated: 1 } } }]);
    expect(held).toEqual([new Map([[7, { _id: 7, lastUpdated: new Date(1) }]])]);
  });

  it('retries the batch (store unavailable) when the read fails', async () => {
    const collection = {
      collectionName: 'things',
      find: () => ({ toArray: async () => Promise.reject(new MongoNetworkError('store away')) }),
    } as unknown as Collection<SinkDocument>;
    const model = { reads: () => ({ ids: [7], projection: {} }), plan: () => planOf([insert('x')]) } as WriteModel;
    await expect(writeRecords(collection, model, [insert('x').record])).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe('counting the write batches of a collection the read API copies', () => {
  /** A footdata-like collection whose database records the change counts. */
  function countedCollection(name: string, countFails = false) {
    const counted: unknown[] = [];
    const collection = {
      collectionName: name,
      bulkWrite: async () => ({ ...counts, insertedCount: 1 }),
      db: {
        collection: (target: string) => ({
          updateOne: async (filter: unknown, update: unknown) => {
            if (countFails) throw new MongoNetworkError('store away');
            counted.push({ target, filter, update });
          },
        }),
      },
    } as unknown as Collection<SinkDocument>;
    return { collection, counted };
  }
  const model = { plan: () => planOf([insert('a')]) } as unknown as WriteModel;
  const records = [insert('a').record];

  it('counts each footdata batch once it is written, and no batch of another collection', async () => {
    const footdata = countedCollection('footdata');
    await writeRecords(footdata.collection, model, records);
    expect(footdata.counted).toEqual([
      { target: 'change_counts', filter: { _id: 'footdata' }, update: { $inc: { batches: 1 } } },
    ]);
    const somedata = countedCollection('somedata');
    await writeRecords(somedata.collection, model, records);
    expect(somedata.counted).toEqual([]);
  });

  it('retries the batch (store unavailable) when the count cannot be written', async () => {
    const { collection } = countedCollection('footdata', true);
    await expect(writeRecords(collection, model, records)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
