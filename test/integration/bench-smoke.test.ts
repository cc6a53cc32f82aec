/**
 * Every benchmark of `make bench`, tiny: it runs against the local stack and
 * its counts hold. No timing is asserted here (benchmarks are not tests).
 */
import { cpus } from 'node:os';
import * as api from '../../bench/api-vs-bare';
import * as kafka from '../../bench/kafka-ceiling';
import * as latency from '../../bench/latency';
import * as scaleOut from '../../bench/scale-out';
import * as sink from '../../bench/sink';

jest.setTimeout(180_000);

const isRate = (n: number) => Number.isFinite(n) && n > 0;

describe('the benchmarks, tiny', () => {
  it('sink: drains the backlog and stores each record once, beside the ceiling and the naive consumer', async () => {
    const f = await sink.run({ records: 2_000, naive: 200 });
    expect(f.stored).toBe(2_000);
    for (const rate of [f.sinkPerSec, f.ceilingPerSec, f.naivePerSec]) expect(isRate(rate)).toBe(true);
  });

  it("api: every 200 has its record in Kafka, the API's and the naive peer's, beside a bare route", async () => {
    const f = await api.run({ duration: 1, warmup: 1, connections: 4 });
    expect(f.api.ok).toBeGreaterThan(0);
    expect(f.recordsInKafka).toBe(f.api.ok);
    expect(f.naive.ok).toBeGreaterThan(0);
    expect(f.naiveRecordsInKafka).toBe(f.naive.ok);
    for (const rate of [f.bare.requestsPerSec, f.api.requestsPerSec, f.naive.requestsPerSec])
      expect(isRate(rate)).toBe(true);
  });

  it('latency: every acknowledged event is stored once, with a request-to-store time', async () => {
    const f = await latency.run({ rate: 50, duration: 2 });
    expect(f.acknowledged).toBeGreaterThan(0);
    expect({ lost: f.lost, doubled: f.doubled }).toEqual({ lost: 0, doubled: 0 });
    expect(f.latencyMs.p99).toBeGreaterThanOrEqual(0);
    // Who used the cores meanwhile: the machine, and every process on the path, each measured.
    expect(f.cpu.nproc).toBe(cpus().length);
    for (const part of ['machine', 'load', 'api', 'sink', 'kafka-broker-1', 'kafka-broker-2', 'ferretdb'])
      expect(Number.isFinite(f.cpu[part])).toBe(true);
    expect(f.cpu.machine).toBeGreaterThan(0);
  });

  it('scale-out: one and two instances each store every event once, none consumed twice', async () => {
    const f = await scaleOut.run({ records: 1_000 });
    for (const drain of [f.one, f.two])
      expect({ stored: drain.stored, doubled: drain.doubled, nproc: drain.cpu.nproc }).toEqual({
        stored: 1_000,
        doubled: 0,
        nproc: cpus().length,
      });
    // Measured, not necessarily above 0: 1,000 records may drain within one clock tick of a process.
    for (const drain of [f.one, f.two])
      for (const cores of [drain.cpu.machine, drain.cpu.sinks, drain.cpu.store])
        expect(cores).toBeGreaterThanOrEqual(0);
    expect(isRate(f.twoOverOne)).toBe(true);
  });

  it('scale-out: a backlog drained within one poll still has its time and CPU measured', async () => {
    // 3 records: an instance mostly consumes them all between two looks at its counts (4 drains).
    const drains = [];
    for (let run = 0; run < 2; run++) {
      const f = await scaleOut.run({ records: 3 });
      drains.push(f.one, f.two);
    }
    for (const drain of drains) {
      expect(drain.stored).toBe(3);
      const { machine, sinks, store } = drain.cpu;
      const measured = [machine, sinks, store].every((cores) => Number.isFinite(cores) && cores >= 0);
      expect({ cpu: drain.cpu, measured }).toEqual({ cpu: drain.cpu, measured: true });
    }
  });

  it("kafka: Apache Kafka's ProducerPerformance reports its rate", async () => {
    const f = await kafka.run({ records: 2_000 });
    expect(f.records).toBe(2_000);
    expect(isRate(f.recordsPerSec)).toBe(true);
  });
});
