/**
 * How the topics a cluster has differ from the topics the pipeline wants
 * (`pipelineTopics()`, lib/kafka/topics.ts): pure comparison, no I/O, so every
 * rule is unit-tested (topic-differences.spec.ts). lib/kafka/topic-check.ts
 * reads the cluster and calls it.
 */
import type { TopicSpec } from './topics';

/** A topic as the cluster describes it: partition count, smallest replica count, its configs' values. */
export interface ObservedTopic {
  topic: string;
  partitions: number;
  replicationFactor: number;
  configs: Record<string, string | undefined>;
}

export type TopicDifference =
  | { topic: string; kind: 'missing' }
  | { topic: string; kind: 'partitions'; expected: number; actual: number }
  | { topic: string; kind: 'replication'; expected: number; actual: number }
  | { topic: string; kind: 'config'; name: string; expected: string; actual: string | null };

/** Configs whose value is a list: `compact,delete` and `delete,compact` are the same policy. */
const LIST_CONFIGS = new Set(['cleanup.policy']);

function normalise(name: string, value: string): string {
  const trimmed = value.trim();
  if (!LIST_CONFIGS.has(name)) return trimmed;
  return [...new Set(trimmed.split(',').map((item) => item.trim()))].sort().join(',');
}

/**
 * Every way `observed` differs from `specs`, in spec order: a missing topic;
 * a partition count other than the spec's (fewer starves consumers of
 * parallelism, more breaks the key → partition mapping the spec sized for);
 * replication below the spec's (above is only safer); each config whose value
 * differs from the spec's, with both values. An empty list means verified.
 */
export function topicDifferences(specs: readonly TopicSpec[], observed: readonly ObservedTopic[]): TopicDifference[] {
  const byName = new Map(observed.map((topic) => [topic.topic, topic]));
  const differences: TopicDifference[] = [];
  for (const spec of specs) {
    const actual = byName.get(spec.topic);
    if (!actual) {
      differences.push({ topic: spec.topic, kind: 'missing' });
      continue;
    }
    if (actual.partitions !== spec.numPartitions) {
      differences.push({
        topic: spec.topic,
        kind: 'partitions',
        expected: spec.numPartitions,
        actual: actual.partitions,
      });
    }
    if (actual.replicationFactor < spec.replicationFactor) {
      differences.push({
        topic: spec.topic,
        kind: 'replication',
        expected: spec.replicationFactor,
        actual: actual.replicationFactor,
      });
    }
    for (const [name, expected] of Object.entries(spec.configs)) {
      const value = actual.configs[name];
      if (value === undefined || normalise(name, value) !== normalise(name, expected)) {
        differences.push({ topic: spec.topic, kind: 'config', name, expected, actual: value ?? null });
      }
    }
  }
  return differences;
}

/**
 * Whether a difference must keep a service unready. All do but one: more
 * partitions than the spec, which is what a partition increase looks like to
 * pods of the previous count while it rolls out (topics first, then the
 * chart: docs/DEPLOY.md §5). Records still flow; only new keys map elsewhere.
 * `ensureTopics()` accepts it too.
 */
export function blocksReadiness(difference: TopicDifference): boolean {
  return !(difference.kind === 'partitions' && difference.actual > difference.expected);
}

/** One line per difference, for a log line or an error message: `footdata: partitions 3 expected, 1 actual`. */
export function describeDifference(difference: TopicDifference): string {
  switch (difference.kind) {
    case 'missing':
      return `${difference.topic}: missing`;
    case 'partitions':
    case 'replication':
      return `${difference.topic}: ${difference.kind} ${difference.expected} expected, ${difference.actual} actual`;
    case 'config':
      return `${difference.topic}: ${difference.name}=${difference.expected} expected, ${difference.actual ?? 'unset'} actual`;
  }
}
