import { setTimeout as sleep } from 'node:timers/promises';
import { testLogger } from '../harness/env';
import { StoreUnavailableError } from './sink';
import { PROBE_INTERVAL_MS, StoreGate } from './store-gate';

/** A gate whose probe answers when `answer()` is called (or fails with `fail()`), counting probes. */
function gateWithProbe() {
  const probe = { sent: 0, answer: () => {}, fail: (_error: Error) => {} };
  const gate = new StoreGate({
    member: 'group',
    log: testLogger(),
    probes: {
      collectionName: 'consumer_probes',
      replaceOne: () => {
        probe.sent += 1;
        return new Promise((resolve, reject) => {
          probe.answer = () => resolve(undefined);
          probe.fail = reject;
        });
      },
    } as unknown as ConstructorParameters<typeof StoreGate>[0]['probes'],
  });
  return { gate, probe };
}

const unavailable = () => new StoreUnavailableError(new Error('timed out'), {});
const signal = () => new AbortController().signal;

describe('StoreGate', () => {
  it('lets writes through as they come while the store answers', async () => {
    const { gate, probe } = gateWithProbe();
    await expect(Promise.all([1, 2, 3].map((n) => gate.write(signal(), async () => n)))).resolves.toEqual([1, 2, 3]);
    expect(probe.sent).toBe(0);
  });

  it('after a failed write, sends one probe for every waiting partition, then one write at a time until one is written', async () => {
    const { gate, probe } = gateWithProbe();
    await expect(gate.write(signal(), () => Promise.reject(unavailable()))).rejects.toThrow(/unavailable/);
    expect(gate.isOpen()).toBe(false);

    let inFlight = 0;
    let mostInFlight = 0;
    const write = async (n: number) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await sleep(5);
      inFlight -= 1;
      return n;
    };
    const writes = [1, 2, 3].map((n) => gate.write(signal(), () => write(n)));
    await sleep(20);
    expect(probe.sent).toBe(1);
    expect(inFlight).toBe(0);
    probe.answer();
    await expect(Promise.all(writes)).resolves.toEqual([1, 2, 3]);
    // The first write alone (the trial), then the other two together once it was written.
    expect(mostInFlight).toBe(2);
    expect(gate.isOpen()).toBe(true);
  });

  it('closes again when the trial write fails, and probes again', async () => {
    const { gate, probe } = gateWithProbe();
    await expect(gate.write(signal(), () => Promise.reject(unavailable()))).rejects.toThrow();
    const trial = gate.write(signal(), () => Promise.reject(unavailable()));
    await sleep(5);
    probe.answer();
    await expect(trial).rejects.toThrow(/unavailable/);
    const next = gate.write(signal(), async () => 'written');
    await sleep(5);
    expect(probe.sent).toBe(2);
    probe.answer();
    await expect(next).resolves.toBe('written');
  });

  it('probes again a probe interval after a failed probe, and only then writes', async () => {
    const { gate, probe } = gateWithProbe();
    await expect(gate.write(signal(), () => Promise.reject(unavailable()))).rejects.toThrow();
    const waiting = gate.write(signal(), async () => 'written');
    await sleep(5);
    probe.fail(new Error('connection refused'));
    await sleep(PROBE_INTERVAL_MS / 2);
    expect(probe.sent).toBe(1);
    await sleep(PROBE_INTERVAL_MS);
    expect(probe.sent).toBe(2);
    probe.answer();
    await expect(waiting).resolves.toBe('written');
  });

  it('stops waiting for the probe when its signal aborts', async () => {
    const { gate } = gateWithProbe();
    await expect(gate.write(signal(), () => Promise.reject(unavailable()))).rejects.toThrow();
    const controller = new AbortController();
    const waiting = gate.write(controller.signal, async () => 'never');
    controller.abort(new Error('stopping'));
    await expect(waiting).rejects.toThrow('stopping');
  });

  it('stays open after a write the store refused for its content', async () => {
    const { gate } = gateWithProbe();
    const refused = Object.assign(new Error('too large'), { retriable: false });
    await expect(gate.write(signal(), () => Promise.reject(refused))).rejects.toThrow('too large');
    expect(gate.isOpen()).toBe(true);
  });
});
