import { Counter, Registry } from 'prom-client';
import { boundLabels } from './observability';

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
