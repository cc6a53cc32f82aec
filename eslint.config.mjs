// Lint TypeScript with the recommended rules; formatting is prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The processes (one top-level folder each). A service imports lib/ and its own folder only: what two
// services share lives in lib/ (docs/ARCHITECTURE.md §2). scripts/import-boundaries.spec.ts shows the rule biting.
const SERVICES = ['producers', 'consumer', 'workers', 'reader', 'admin'];
// The test harness (harness/) is for tests and benchmarks: a unit spec may use it, a service's code may not.
const TOOLING = ['test', 'harness', 'bench', 'scripts', 'smoke'];

/** no-restricted-imports for the files of `folder`: nothing from the top-level folders `forbidden`. */
function importsNothingFrom(forbidden, why) {
  return [
    'error',
    {
      patterns: [
        {
          regex: `^(\\.\\./)+(${forbidden.join('|')})(/|$)`,
          message: why,
        },
      ],
    },
  ];
}

const serviceRules = (service, { spec }) => {
  const others = SERVICES.filter((name) => name !== service);
  const forbidden = [...others, ...TOOLING.filter((name) => !(spec && name === 'harness'))];
  return importsNothingFrom(
    forbidden,
    `${service}/ imports lib/ and its own folder only: move what services share to lib/, test helpers to harness/ (specs only).`,
  );
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.stack/', 'coverage/', 'test-artifacts/', 'airflow/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: [
      'test/**',
      'harness/**',
      'bench/**',
      'scripts/**',
      'smoke/**',
      'deploy/**',
      '**/*.spec.ts',
      '**/cli.ts',
      '**/*-cli.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  // Who may import what, folder by folder.
  ...SERVICES.flatMap((service) => [
    { files: [`${service}/**/*.ts`], rules: { 'no-restricted-imports': serviceRules(service, { spec: false }) } },
    { files: [`${service}/**/*.spec.ts`], rules: { 'no-restricted-imports': serviceRules(service, { spec: true }) } },
  ]),
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': importsNothingFrom(
        [...SERVICES, ...TOOLING],
        'lib/ is shared by every service: it imports nothing outside lib/.',
      ),
    },
  },
  {
    files: ['lib/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': importsNothingFrom(
        [...SERVICES, 'test', 'bench', 'scripts'],
        'a spec of lib/ imports lib/ and harness/ only.',
      ),
    },
  },
  {
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': importsNothingFrom(
        [...SERVICES, 'test', 'harness', 'bench'],
        'scripts/ reads the definitions in lib/ only (a contract a service owns belongs in lib/).',
      ),
    },
  },
  {
    files: ['harness/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': importsNothingFrom(
        ['test'],
        'test/ holds tests only: what tests and benchmarks share lives in harness/.',
      ),
    },
  },
);
