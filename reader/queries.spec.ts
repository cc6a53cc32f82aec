import {
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoTopologyClosedError,
  type Db,
  type MongoError,
} from 'mongodb';
import { UnavailableError } from '../lib/errors';
import { findMatches, storeSource } from './queries';

// The error a pool checkout that waited too long fails with: the package does not export its class, its module does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WaitQueueTimeoutError } = require('mongodb/lib/cmap/errors') as {
  WaitQueueTimeoutError: new (message: string) => MongoError;
};

/** A database whose every find fails with `error`, at the point the driver would (the cursor's first batch). */
function failingDb(error: Error): Db {
  const cursor = {
    sort: () => cursor,
    limit: () => cursor,
    toArray: () => Promise.reject(error),
  };
  return { collection: () => ({ find: () => cursor }) } as unknown as Db;
}

const query = { limit: 10 } as Parameters<typeof findMatches>[1];

describe('the read API when the store fails', () => {
  it.each([
    // No pooled connection came free in time: the store is busy, not broken.
    [
      'a wait for a pooled connection that timed out',
      new WaitQueueTimeoutError('Timed out while checking out a connection from connection pool'),
    ],
    ['a network error', new MongoNetworkError('connection 3 to 127.0.0.1:27017 closed')],
    ['a client not connected yet', new MongoNotConnectedError('Client must be connected before running operations')],
    ['a closed topology', new MongoTopologyClosedError()],
    ['a server that is shutting down', new MongoServerError({ message: 'interrupted at shutdown', code: 11600 })],
  ])('answers 503 (UnavailableError, Retry-After) for %s', async (_what, error) => {
    const failure = await findMatches(storeSource(failingDb(error)), query).catch((thrown: unknown) => thrown);
    expect(failure).toBeInstanceOf(UnavailableError);
    expect(failure).toMatchObject({ retryAfterMs: 2_000, cause: error });
  });

  it('lets a refusal that another try would not change through as it is (a 500)', async () => {
    const refusal = new MongoServerError({ message: 'unknown operator: $foo', code: 2 });
    await expect(findMatches(storeSource(failingDb(refusal)), query)).rejects.toBe(refusal);
  });
});
