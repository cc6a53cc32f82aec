import { somedataEvent } from '../harness/consumer';
import { withDuplicates } from './connector';

describe("the idempotent connector run's backlog", () => {
  it('sends every n-th event twice, the copy right after it (same key, same partition, as a producer retry)', () => {
    const events = Array.from({ length: 20 }, (_, i) => somedataEvent(`k${i}`, 1));
    const backlog = withDuplicates(events, 10);
    expect(backlog).toHaveLength(22);
    expect(new Set(backlog.map((event) => event.eventId)).size).toBe(20);
    expect(backlog[10]).toBe(events[9]);
    expect(backlog[9]).toBe(events[9]);
    expect(withDuplicates(events, 1)).toHaveLength(40);
  });

  it('refuses a duplicate interval that is not a positive integer', () => {
    for (const every of [0, -3, 2.5, NaN]) expect(() => withDuplicates([], every)).toThrow(/duplicateEvery/);
  });
});
