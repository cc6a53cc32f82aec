/**
 * `npm run produce:somedata|footdata` as a person runs it: the result is the
 * only line on stdout (the log goes to stderr), what it reports is what reached
 * Kafka, and a usage mistake exits 2 with the reason and the usage.
 */
import { runTool } from '../../harness/processes';
import { readEvents, useTestApi } from '../../harness/producers';

const sut = useTestApi();

/** The producers CLI as a child process, against the API and the fresh topics of this file. */
function produce(...args: string[]) {
  const { config } = sut.topics;
  return runTool('workers/routines/cli.ts', args, {
    KAFKA_BROKERS: config.kafka.brokers.join(','),
    TOPIC_SOMEDATA: config.kafka.topics.somedata,
    TOPIC_FOOTDATA: config.kafka.topics.footdata,
    TOPIC_DLQ: config.kafka.topics.dlq,
    API_URL: sut.api.url,
    LOG_LEVEL: 'info',
  });
}

it('somedata: prints only its result on stdout, and the result is what Kafka holds', async () => {
  const { code, stdout, stderr } = await produce(
    'somedata',
    '--interval',
    '0',
    '--max-events',
    '3',
    '--run-id',
    'cli-1',
  );
  expect(code).toBe(0);
  expect(stdout.trim().split('\n')).toHaveLength(1);
  const result = JSON.parse(stdout);
  const { somedata } = sut.topics.config.kafka.topics;
  expect(result).toMatchObject({ published: 3, failed: 0, topic: somedata });
  expect(stderr).toMatch(/"msg":"progress"/);

  const events = await readEvents(sut.topics, somedata);
  expect(events.map(({ event }) => [event.runId, event.source])).toEqual(Array(3).fill(['cli-1', 'job:cli']));
}, 60_000);

it('footdata: publishes one record per match and says so on its one stdout line', async () => {
  const { code, stdout } = await produce('footdata', '--run-id', 'cli-2');
  expect(code).toBe(0);
  expect(stdout.trim().split('\n')).toHaveLength(1);
  const result = JSON.parse(stdout);
  const events = await readEvents(sut.topics, sut.topics.config.kafka.topics.footdata);
  expect(result.published).toBeGreaterThan(0);
  expect(result).toMatchObject({ published: events.length, failed: 0 });
  expect(new Set(events.map(({ event }) => event.runId))).toEqual(new Set(['cli-2']));
}, 60_000);

it.each([
  [['otherdata'], /the first argument must be a routine: somedata or footdata/],
  [['somedata', '--duration', 'soon'], /--duration must be a number \(got "soon"\)/],
  [['somedata', '--bogus'], /Unknown option '--bogus'/],
  [['footdata', 'extra'], /unexpected arguments: extra/],
])('refuses %j with exit 2, the reason and the usage', async (args, reason) => {
  const { code, stdout, stderr } = await produce(...args);
  expect(code).toBe(2);
  expect(stdout).toBe('');
  expect(stderr).toMatch(reason);
  expect(stderr).toMatch(/^usage:\n {2}produce somedata/m);
});

it('--help prints the usage on stdout and exits 0', async () => {
  const { code, stdout } = await produce('--help');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^usage:\n {2}produce somedata --duration/);
});
