// scripts/test-summary.mjs prints the line CI reads and, above it, what failed:
// CI keeps only the end of the log, so a failure must be named there.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const summarise = (files: Record<string, string>): string[] => {
  const folder = mkdtempSync(join(tmpdir(), 'test-summary-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text);
    return execFileSync(process.execPath, ['scripts/test-summary.mjs', folder], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
};

const jestRun = {
  numPassedTests: 2,
  numFailedTests: 1,
  numRuntimeErrorTestSuites: 1,
  testResults: [
    {
      name: join(process.cwd(), 'test/faults/store-outage.test.ts'),
      status: 'failed',
      assertionResults: [
        { status: 'passed', fullName: 'stores once' },
        {
          status: 'failed',
          fullName: 'commits nothing unwritten',
          failureMessages: ['\nError: expect(received).toBe(expected)\n  at x'],
        },
      ],
    },
    {
      name: join(process.cwd(), 'test/faults/broken.test.ts'),
      status: 'failed',
      message: 'SyntaxError: Unexpected token',
      assertionResults: [],
    },
  ],
};
const pytestRun =
  '<testsuites><testsuite name="pytest" tests="3" failures="1" errors="0" skipped="1">' +
  '<testcase classname="tests.test_dag" name="test_ok"/>' +
  '<testcase classname="tests.test_dag" name="test_lands"><failure message="AssertionError: assert 0 == 5">trace</failure></testcase>' +
  '<testcase classname="tests.test_dag" name="test_skip"><skipped message="no"/></testcase>' +
  '</testsuite></testsuites>';

describe('test-summary', () => {
  it('names every failed test, suite and check above the total', () => {
    const lines = summarise({
      'jest-faults.json': JSON.stringify(jestRun),
      'airflow.xml': pytestRun,
      'check-lint.json': '{"numPassedTests":0,"numFailedTests":1}',
    });
    expect(lines).toEqual([
      'FAILED tests.test_dag::test_lands: AssertionError: assert 0 == 5',
      'FAILED check lint',
      'FAILED test/faults/store-outage.test.ts › commits nothing unwritten: Error: expect(received).toBe(expected)',
      'FAILED test/faults/broken.test.ts: SyntaxError: Unexpected token',
      '3 passed, 4 failed, 1 skipped',
    ]);
  });

  it("adds what a jest assertion found (its diff, not its stack), a few lines of it, under the test's name", () => {
    const diff = [
      '\u001b[2mexpect(\u001b[22mreceived\u001b[2m).toEqual(\u001b[22mexpected\u001b[2m) // deep equality\u001b[22m',
      '',
      '- Expected  - 1',
      '+ Received  + 3',
      '',
      '- Array []',
      '+ Array [',
      '+   "footdata/depth-10000-arrays: nowhere (expected either, at footdata 2/7)",',
      '+ ]',
      ...Array.from({ length: 30 }, (_, index) => `+   "line ${index}",`),
      '    at Object.<anonymous> (test/faults/hostile-input.test.ts:454:22)',
    ].join('\n');
    const run = {
      numFailedTests: 1,
      testResults: [
        {
          name: join(process.cwd(), 'test/faults/hostile-input.test.ts'),
          status: 'failed',
          assertionResults: [{ status: 'failed', fullName: 'the worst records', failureMessages: [`Error: ${diff}`] }],
        },
      ],
    };
    const lines = summarise({ 'jest-faults.json': JSON.stringify(run) });
    expect(lines[0]).toBe(
      'FAILED test/faults/hostile-input.test.ts › the worst records: Error: expect(received).toEqual(expected) // deep equality',
    );
    expect(lines.slice(1, 7)).toEqual([
      '    - Expected  - 1',
      '    + Received  + 3',
      '    - Array []',
      '    + Array [',
      '    +   "footdata/depth-10000-arrays: nowhere (expected either, at footdata 2/7)",',
      '    + ]',
    ]);
    expect(lines).toHaveLength(1 + 20 + 1 + 1); // the name, 20 lines of detail, how many more, the total
    expect(lines.at(-2)).toBe('    … 16 more lines');
    expect(lines.join('\n')).not.toContain('at Object.<anonymous>');
    expect(lines.at(-1)).toBe('0 passed, 1 failed');
  });

  it('prints only the total when all passed', () => {
    expect(summarise({ 'check-lint.json': '{"numPassedTests":1,"numFailedTests":0}' })).toEqual(['1 passed, 0 failed']);
  });
});
