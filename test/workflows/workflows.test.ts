/**
 * The GitHub Actions workflows (.github/workflows) pass scripts/check-workflows.sh
 * (actionlint with shellcheck, SHA pins, inputs of pinned actions), and the
 * check bites: each fixture under fixtures/ carries one mistake and must fail
 * it with that mistake, and only that one, named.
 *
 * actionlint is built once per machine from its Go module (scripts/tools/go-tool.sh);
 * shellcheck is Debian's (.ci/run installs it). Without either the check fails.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');

function check(...files: string[]) {
  const run = spawnSync('bash', ['scripts/check-workflows.sh', ...files], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 240_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  // One line per problem: "path:line[:col]: message [kind]".
  const problems = output.split('\n').filter((line) => /^\S+\.ya?ml:\d+(:\d+)?: /.test(line));
  return { status: run.status, output, problems };
}

beforeAll(() => {
  // The first run on a machine builds actionlint (under a minute); the tests below then take seconds.
  const built = spawnSync('bash', ['scripts/tools/go-tool.sh', 'actionlint'], { cwd: REPO, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building actionlint failed: ${built.stderr}`);
}, 300_000);

it('every workflow under .github/workflows passes actionlint, shellcheck and the pin and input checks', () => {
  const { status, output } = check();
  expect(output).toBe('');
  expect(status).toBe(0);
});

const FIXTURES: [file: string, mistake: string, expected: RegExp][] = [
  ['expression-typo.yml', 'a typo in an expression', /:11:13: property "event_nam" is not defined .* \[expression\]$/],
  [
    'unknown-input.yml',
    'an input the action does not have, under a SHA pin',
    /:13:11: input "node-verison" is not defined in action "actions\/setup-node@v6".* \[action\]$/,
  ],
  [
    'shell-script.yml',
    'an unquoted variable in a run: script',
    /:11:9: shellcheck reported issue .*SC2086.* \[shellcheck\]$/,
  ],
  [
    'unpinned.yml',
    'an action pinned to a tag',
    /:10: "actions\/checkout@v6" is not pinned to a full commit SHA.* \[pin\]$/,
  ],
];

it.each(FIXTURES)('%s fails the check: %s', (file, _mistake, expected) => {
  const path = `test/workflows/fixtures/${file}`;
  const { status, output, problems } = check(path);
  expect(status).toBe(1);
  expect(problems).toHaveLength(1);
  expect(problems[0]!.startsWith(`${path}:`)).toBe(true);
  expect(problems[0]).toMatch(expected);
  expect(output).not.toMatch(/check-workflows: /); // failed on the mistake, not on a missing tool
});
