// Adds up the results every test runner left in a folder and prints the one
// line CI reads: "N passed, N failed" (", N skipped" when any were skipped).
// jest: --json output files; pytest: --junitxml files.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2] ?? '.stack/test-results';
let passed = 0;
let failed = 0;
let skipped = 0;

for (const file of readdirSync(folder)) {
  const text = readFileSync(join(folder, file), 'utf8');
  if (file.endsWith('.json')) {
    const result = JSON.parse(text);
    passed += result.numPassedTests ?? 0;
    failed += (result.numFailedTests ?? 0) + (result.numRuntimeErrorTestSuites ?? 0);
    skipped += (result.numPendingTests ?? 0) + (result.numTodoTests ?? 0);
  } else if (file.endsWith('.xml')) {
    // <testsuite ... tests="N" failures="N" errors="N" skipped="N">, one or more per file
    for (const suite of text.matchAll(/<testsuite\b([^>]*)>/g)) {
      const attr = (name) => Number(suite[1].match(new RegExp(`\\b${name}="(\\d+)"`))?.[1] ?? 0);
      const bad = attr('failures') + attr('errors');
      failed += bad;
      skipped += attr('skipped');
      passed += attr('tests') - bad - attr('skipped');
    }
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
