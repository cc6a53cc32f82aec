import fc from 'fast-check';
import { RECORD_BATCH_OVERHEAD, recordBatchBudget, recordBytes } from './record-size';

// kafkajs's own encoder for the record batches it sends (produce v3+, magic v2): the size the broker checks.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch: (args: { records: unknown[] }) => Promise<{ size(): number }>;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (args: object) => unknown;

interface Spec {
  key: string;
  value: string;
  headers: Record<string, string>;
}

async function encodedBytes(messages: Spec[]): Promise<number> {
  const records = messages.map((message, offsetDelta) => Record({ ...message, offsetDelta, timestampDelta: 0 }));
  return (await RecordBatch({ records })).size();
}

describe('record sizes', () => {
  it('never under-counts the record batch kafkajs writes, and over-counts by at most 40 bytes a record', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: text, value: text, headers: fc.dictionary(text, text, { maxKeys: 4 }) }), {
          minLength: 1,
          maxLength: 40,
        }),
        async (messages) => {
          const actual = await encodedBytes(messages);
          const estimate = RECORD_BATCH_OVERHEAD + messages.reduce((sum, m) => sum + recordBytes(m), 0);
          expect(estimate).toBeGreaterThanOrEqual(actual);
          const headers = messages.reduce((sum, m) => sum + Object.keys(m.headers).length, 0);
          expect(estimate - actual).toBeLessThanOrEqual(40 * messages.length + 10 * headers);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('counts a maximal somedata-sized record (over 7 KB) within 40 bytes of what kafkajs writes', async () => {
    const value = JSON.stringify({
      items: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [i, 'x'.repeat(64)])),
    });
    const message = { key: 'x'.repeat(64), value, headers: { 'content-type': 'application/json' } };
    expect(recordBytes(message)).toBeGreaterThan(7_000);
    expect(recordBytes(message) - (await encodedBytes([message])) + RECORD_BATCH_OVERHEAD).toBeLessThan(40);
  });

  it('leaves 1% (at least 1 KiB) below max.message.bytes', () => {
    expect(recordBatchBudget(1_048_588)).toBe(1_048_588 - 10_486);
    expect(recordBatchBudget(65_536)).toBe(65_536 - 1_024);
  });
});
