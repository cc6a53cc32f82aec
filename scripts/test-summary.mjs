// Adds up the results every test runner left in a folder and prints the one
// line CI reads: "N passed, N failed" (", N skipped" when any were skipped).
// jest: --json output files; pytest: --junitxml files; check-*.json: one check.
// The failures are named just above that line, with what a jest assertion found:
// CI keeps only the end of the log.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const folder = process.argv[2] ?? '.stack/test-results';
let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
const details = new Map(); // index in failures → its detail lines

// jest colours its messages when it writes to a terminal; the log wants the text.
// eslint-disable-next-line no-control-regex
const lines = (text) =>
  String(text ?? '')
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n');
const firstLine = (text) =>
  lines(text)
    .find((line) => line.trim())
    ?.trim() ?? '';

// What an assertion found (a diff, the values), under its name: the lines after
// the first, up to the stack, at most DETAIL_LINES of them.
const DETAIL_LINES = 20;
const detail = (text) => {
  const rest = lines(text).filter((line) => line.trim());
  const stack = rest.findIndex((line, index) => index > 0 && /^\s*at /.test(line));
  const found = rest.slice(1, stack < 0 ? undefined : stack).map((line) => `    ${line.slice(0, 200)}`);
  if (found.length <= DETAIL_LINES) return found;
  return [...found.slice(0, DETAIL_LINES), `    … ${found.length - DETAIL_LINES} more lines`];
};

for (const file of readdirSync(folder).sort()) {
  const text = readFileSync(join(folder, file), 'utf8');
  if (file.endsWith('.json')) {
    const result = JSON.parse(text);
    passed += result.numPassedTests ?? 0;
    failed += (result.numFailedTests ?? 0) + (result.numRuntimeErrorTestSuites ?? 0);
    skipped += (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
    if (file.startsWith('check-') && result.numFailedTests) failures.push(`check ${file.slice(6, -5)}`);
    for (const suite of result.testResults ?? []) {
      const path = relative(process.cwd(), suite.name ?? '');
      const failedTests = (suite.assertionResults ?? []).filter((test) => test.status === 'failed');
      for (const test of failedTests) {
        failures.push(`${path} › ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
        details.set(failures.length - 1, detail(test.failureMessages?.[0]));
      }
      // A suite that failed to run at all (a syntax error, a hook that threw) has no failed test.
      if (suite.status === 'failed' && failedTests.length === 0) failures.push(`${path}: ${firstLine(suite.message)}`);
    }
  } else if (file.endsWith('.xml')) {
    // <testsuite ... tests="N" failures="N" errors="N" skipped="N">, one or more per file
    for (const suite of text.matchAll(/<testsuite\b([^>]*)>/g)) {
      const attr = (name) => Number(suite[1].match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
      const bad = attr('failures') + attr('errors');
      failed += bad;
      skipped += attr('skipped');
      passed += attr('tests') - bad - attr('skipped');
    }
    // <testcase classname="..." name="..."><failure message="..."> (or <error>); a passed one is <testcase .../>
    for (const test of text.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const bad = (test[2] ?? '').match(/<(failure|error)\b[^>]*?message="([^"]*)"/);
      if (!bad) continue;
      const attr = (name) => test[1].match(new RegExp(`\\b${name}="([^"]*)"`))?.[1] ?? '';
      failures.push(`${attr('classname')}::${attr('name')}: ${firstLine(bad[2])}`);
    }
  }
}
failures.forEach((failure, index) => {
  console.log(`FAILED ${failure.slice(0, 400)}`);
  for (const line of details.get(index) ?? []) console.log(line);
});
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
