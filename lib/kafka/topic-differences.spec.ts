import fc from 'fast-check';
import { loadConfig } from '../config';
import { blocksReadiness, describeDifference, topicDifferences, type ObservedTopic } from './topic-differences';
import { pipelineTopics, type TopicSpec } from './topics';

const configName = fc.stringMatching(/^[a-z]{1,8}(\.[a-z]{1,8}){0,2}$/);
const configValue = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);

const spec: fc.Arbitrary<TopicSpec> = fc.record({
  topic: fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/),
  numPartitions: fc.integer({ min: 1, max: 1000 }),
  replicationFactor: fc.integer({ min: 1, max: 10 }),
  configs: fc.dictionary(configName, configValue, { maxKeys: 6 }),
});
const specs = fc.uniqueArray(spec, { minLength: 1, maxLength: 5, selector: (s) => s.topic });

/** What a cluster that holds exactly `specs` describes. */
function asObserved(wanted: TopicSpec[]): ObservedTopic[] {
  return wanted.map((s) => ({
    topic: s.topic,
    partitions: s.numPartitions,
    replicationFactor: s.replicationFactor,
    configs: { ...s.configs },
  }));
}

/** One change to one topic of a cluster that matched, and the difference it must produce. */
const change = fc.oneof(
  fc.constant({ kind: 'missing' as const }),
  fc.integer({ min: -999, max: 999 }).map((delta) => ({ kind: 'partitions' as const, delta })),
  fc.integer({ min: 1, max: 9 }).map((fewer) => ({ kind: 'replication' as const, fewer })),
  fc.record({ kind: fc.constant('config' as const), value: fc.option(configValue, { nil: undefined }) }),
);

describe('topicDifferences', () => {
  it('finds no difference between any spec and a cluster that holds exactly it', () => {
    fc.assert(fc.property(specs, (wanted) => expect(topicDifferences(wanted, asObserved(wanted))).toEqual([])));
  });

  it('reports any single change, naming the topic, what differs, and both values', () => {
    fc.assert(
      fc.property(specs, fc.nat(), change, fc.nat(), (wanted, which, made, configIndex) => {
        const observed = asObserved(wanted);
        const target = observed[which % observed.length]!;
        const specOf = wanted[which % wanted.length]!;
        const names = Object.keys(specOf.configs);
        let expected: object;
        switch (made.kind) {
          case 'missing':
            observed.splice(observed.indexOf(target), 1);
            expected = { topic: target.topic, kind: 'missing' };
            break;
          case 'partitions': {
            fc.pre(made.delta !== 0 && target.partitions + made.delta >= 1);
            target.partitions += made.delta;
            expected = {
              topic: target.topic,
              kind: 'partitions',
              expected: specOf.numPartitions,
              actual: target.partitions,
            };
            break;
          }
          case 'replication': {
            fc.pre(target.replicationFactor - made.fewer >= 0);
            target.replicationFactor -= made.fewer;
            const actual = target.replicationFactor;
            expected = { topic: target.topic, kind: 'replication', expected: specOf.replicationFactor, actual };
            break;
          }
          case 'config': {
            fc.pre(names.length > 0);
            const name = names[configIndex % names.length]!;
            fc.pre(made.value !== specOf.configs[name]);
            target.configs[name] = made.value;
            const actual = made.value ?? null;
            expected = { topic: target.topic, kind: 'config', name, expected: specOf.configs[name], actual };
            break;
          }
        }
        const differences = topicDifferences(wanted, observed);
        expect(differences).toEqual([expected]);
        expect(describeDifference(differences[0]!)).toContain(target.topic);
      }),
    );
  });

  it('accepts more replicas than the spec asks for, never more or fewer partitions', () => {
    const [wanted] = pipelineTopics(loadConfig({}).kafka);
    const observed = asObserved([wanted!]);
    observed[0]!.replicationFactor += 1;
    expect(topicDifferences([wanted!], observed)).toEqual([]);
    observed[0]!.partitions += 1;
    expect(topicDifferences([wanted!], observed)).toEqual([
      { topic: wanted!.topic, kind: 'partitions', expected: wanted!.numPartitions, actual: wanted!.numPartitions + 1 },
    ]);
  });

  it('lets only partitions above the spec (a partition increase rolling out) leave a service ready', () => {
    fc.assert(
      fc.property(specs, fc.nat(), change, (wanted, which, made) => {
        const observed = asObserved(wanted);
        const target = observed[which % observed.length]!;
        if (made.kind === 'missing') observed.splice(observed.indexOf(target), 1);
        if (made.kind === 'partitions') target.partitions = Math.max(1, target.partitions + made.delta);
        if (made.kind === 'replication') target.replicationFactor = Math.max(0, target.replicationFactor - made.fewer);
        if (made.kind === 'config') for (const name of Object.keys(target.configs)) target.configs[name] = made.value;
        for (const difference of topicDifferences(wanted, observed)) {
          const more = difference.kind === 'partitions' && difference.actual > difference.expected;
          expect(blocksReadiness(difference)).toBe(!more);
        }
      }),
    );
  });

  it('reads cleanup.policy as a set: delete,compact is compact,delete, compact alone is not', () => {
    const footdata = pipelineTopics(loadConfig({}).kafka).find((s) => s.configs['cleanup.policy'])!;
    const observed = asObserved([footdata]);
    observed[0]!.configs['cleanup.policy'] = 'delete, compact';
    expect(topicDifferences([footdata], observed)).toEqual([]);
    observed[0]!.configs['cleanup.policy'] = 'compact';
    expect(topicDifferences([footdata], observed)).toEqual([
      { topic: footdata.topic, kind: 'config', name: 'cleanup.policy', expected: 'compact,delete', actual: 'compact' },
    ]);
  });

  it('lists every difference of every topic, in spec order, each described on one line', () => {
    const wanted = pipelineTopics(loadConfig({}).kafka);
    const observed = asObserved(wanted).slice(1);
    observed[0]!.partitions = 1;
    observed[0]!.configs['retention.ms'] = '1000';
    const lines = topicDifferences(wanted, observed).map(describeDifference);
    expect(lines).toEqual([
      `${wanted[0]!.topic}: missing`,
      `${wanted[1]!.topic}: partitions ${wanted[1]!.numPartitions} expected, 1 actual`,
      `${wanted[1]!.topic}: retention.ms=${wanted[1]!.configs['retention.ms']} expected, 1000 actual`,
    ]);
  });
});
