/**
 * End to end through the producers API: every 200 from GET /somedata is one
 * document in MongoDB, and no more.
 */
import { COLLECTIONS } from '../../lib/mongo';
import type { RunningApi } from '../../producers/service';
import { waitForCommitted, waitForCount } from '../../harness/consumer';
import { startTestApi } from '../../harness/producers';
import { useSink } from '../../harness/sink';

jest.setTimeout(120_000);

const sut = useSink();
let api: RunningApi;
beforeAll(async () => {
  api = await startTestApi(sut.config);
  await sut.start();
});
afterAll(async () => {
  await api?.stop();
});

describe('through the API into the store', () => {
  it('N events acknowledged by GET /somedata/car?number=2 give exactly N documents', async () => {
    const N = 300;
    const eventIds: string[] = [];
    for (let start = 0; start < N; start += 50) {
      const responses = await Promise.all(
        Array.from({ length: Math.min(50, N - start) }, () => fetch(`${api.url}/somedata/car?number=2`)),
      );
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ '0': 'car', '1': 'car' });
        eventIds.push(response.headers.get('x-event-id')!);
      }
    }

    await waitForCount(sut.db, COLLECTIONS.somedata, N);
    await waitForCommitted(sut.admin, sut.config.consumer.groupId, sut.config.kafka.topics.somedata);
    expect(await sut.db.collection(COLLECTIONS.somedata).countDocuments()).toBe(N);
    expect(new Set(await sut.db.collection(COLLECTIONS.somedata).distinct('_id'))).toEqual(new Set(eventIds));
    const one = await sut.db.collection(COLLECTIONS.somedata).findOne({ _id: eventIds[0] as never });
    expect(one).toMatchObject({
      source: 'api',
      payload: { data: 'car', number: 2, items: { '0': 'car', '1': 'car' } },
    });
  });
});
