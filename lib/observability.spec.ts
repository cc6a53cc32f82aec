import { Counter, Registry } from 'prom-client';
import { boundLabels, readiness } from './observability';

describe('boundLabels', () => {
  it('binds each set of label values once and counts into the right series', async () => {
    const registry = new Registry();
    const counter = new Counter({
      name: 'things_total',
      help: 'h',
      labelNames: ['topic', 'outcome'],
      registers: [registry],
    });
    const things = boundLabels(counter);

    expect(things('t', 'acked')).toBe(things('t', 'acked'));
    expect(things('t', 'acked')).not.toBe(things('t', 'failed'));
    // A separator no label value carries: ('a b', 'c') and ('a', 'b c') stay apart.
    expect(things('a b', 'c')).not.toBe(things('a', 'b c'));

    things('t', 'acked').inc();
    things('t', 'acked').inc(2);
    things('t', 'failed').inc();
    const text = await registry.metrics();
    expect(text).toMatch(/things_total\{topic="t",outcome="acked"\} 3/);
    expect(text).toMatch(/things_total\{topic="t",outcome="failed"\} 1/);
  });
});

describe('readiness', () => {
  it('is ready only when every check is, and gives the reason each failing check states', async () => {
    const registry = new Registry();
    const differences = [{ topic: 'footdata', kind: 'missing' }];
    const result = await readiness({
      service: 's',
      registry,
      checkTimeoutMs: 50,
      readiness: {
        kafka: () => true,
        store: () => ({ ready: true, reason: 'ignored when ready' }),
        topics: () => ({ ready: false, reason: { differences } }),
        dlq: () => false,
        slow: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 1_000)),
        broken: () => {
          throw new Error('boom');
        },
      },
    });
    expect(result).toEqual({
      ready: false,
      checks: { kafka: true, store: true, topics: false, dlq: false, slow: false, broken: false },
      reasons: { topics: { differences }, slow: 'no answer within 50 ms' },
    });
  });

  it('says nothing of reasons when every check passes', async () => {
    const result = await readiness({
      service: 's',
      registry: new Registry(),
      readiness: { a: () => ({ ready: true }) },
    });
    expect(result).toEqual({ ready: true, checks: { a: true } });
  });
});
