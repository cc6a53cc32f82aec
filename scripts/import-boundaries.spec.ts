/**
 * The import boundaries of eslint.config.mjs bite: a service that reaches into
 * another service's folder, service code that uses the test harness, lib/ or
 * scripts/ importing a service, each fails the lint; what is allowed passes.
 * Each case is linted by the ESLint CLI as if the snippet were that file.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..');
const ESLINT = join(REPO, 'node_modules', 'eslint', 'bin', 'eslint.js');

interface LintMessage {
  ruleId: string | null;
  message: string;
}

/** The problems ESLint reports for `source` as the file `path` (relative to the repository). */
function lint(path: string, source: string): LintMessage[] {
  const run = spawnSync(process.execPath, [ESLINT, '--format', 'json', '--stdin', '--stdin-filename', path], {
    cwd: REPO,
    input: source,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.status !== 0 && run.status !== 1) throw new Error(`eslint failed (${run.status}): ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as { messages: LintMessage[] }[];
  return result!.messages;
}

const importing = (specifier: string) => `import * as it from '${specifier}';\nexport const used = it;\n`;
const restricted = (messages: LintMessage[]) => messages.filter((m) => m.ruleId === 'no-restricted-imports');

describe('the import boundaries (eslint.config.mjs)', () => {
  it.each([
    ['reader/violation.ts', '../consumer/dead-letters', 'reader/ imports lib/ and its own folder only'],
    ['admin/server/live/violation.ts', '../../../workers/processor', 'admin/ imports lib/ and its own folder only'],
    ['consumer/violation.ts', '../harness/env', 'consumer/ imports lib/ and its own folder only'],
    ['producers/violation.spec.ts', '../bench/support', 'producers/ imports lib/ and its own folder only'],
    ['lib/violation.ts', '../workers/worker', 'lib/ is shared by every service'],
    ['scripts/violation.ts', '../workers/jobs', 'scripts/ reads the definitions in lib/ only'],
    ['bench/violation.ts', '../test/integration/reader.test', 'test/ holds tests only'],
  ])('%s importing %s fails the lint', (path, specifier, why) => {
    const problems = restricted(lint(path, importing(specifier)));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toContain(why);
  });

  it.each([
    ['reader/allowed.ts', '../lib/kafka/dead-letter-headers'],
    ['admin/server/live/allowed.ts', '../../../lib/jobs/queue'],
    ['admin/server/live/allowed.ts', './poller'],
    ['consumer/write-models/allowed.spec.ts', '../../harness/consumer'],
    ['bench/allowed.ts', '../consumer/service'],
    ['harness/allowed.ts', '../admin/server/server'],
    ['test/integration/allowed.test.ts', '../../bench/support'],
  ])('%s importing %s passes', (path, specifier) => {
    expect(restricted(lint(path, importing(specifier)))).toEqual([]);
  });
});
