// Unit specs sit beside the code and need nothing running. Integration tests
// in test/ talk to the real services that `make up` starts. The "faults" and
// "stack" projects stop, kill and restart those services, so `make test` runs
// them last, on their own and in band.
const transform = { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] };
const common = { transform, testEnvironment: 'node', moduleFileExtensions: ['ts', 'js', 'json'] };

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{lib,producers,consumer,workers,admin,reader,scripts,bench}/**/*.spec.ts'],
    },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...common, displayName: 'compose', testMatch: ['<rootDir>/test/compose/**/*.test.ts'] },
    // The GitHub Actions workflows through actionlint and shellcheck (scripts/check-workflows.sh).
    { ...common, displayName: 'workflows', testMatch: ['<rootDir>/test/workflows/**/*.test.ts'] },
    { ...common, displayName: 'faults', testMatch: ['<rootDir>/test/faults/**/*.test.ts'] },
    { ...common, displayName: 'stack', testMatch: ['<rootDir>/test/stack/**/*.test.ts'] },
    // Load under a seeded schedule of random faults (make test-chaos, CHAOS_SECONDS, CHAOS_SEED).
    { ...common, displayName: 'chaos', testMatch: ['<rootDir>/test/chaos/**/*.test.ts'] },
  ],
  testTimeout: 60_000,
};
