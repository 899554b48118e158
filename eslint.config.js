// Lint rules that carry the project's two structural promises:
// 1. determinism: nothing under src/ except src/cli/ touches wall-clock time, timers, randomness,
//    the environment or files;
// 2. layering: each folder imports only the folders below it (docs/ARCHITECTURE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** folder -> folders it may import (besides itself). */
const layers = {
  core: [],
  rng: ['core'],
  trace: ['core'],
  network: ['core', 'rng'],
  kernel: ['core', 'rng', 'trace', 'network'],
  faults: ['core', 'rng', 'network'],
  workload: ['core', 'rng'],
  // Protocols may expose checkers as their own named checks (checkers import only core: no cycle).
  protocols: ['core', 'checkers'],
  checkers: ['core'],
  history: ['core'],
  scenario: ['core', 'rng', 'network', 'faults', 'workload', 'protocols'],
  runner: ['core', 'rng', 'trace', 'network', 'kernel', 'faults', 'workload', 'protocols', 'checkers', 'history', 'scenario'],
  fuzz: ['core', 'rng', 'trace', 'network', 'kernel', 'faults', 'workload', 'protocols', 'checkers', 'history', 'scenario', 'runner'],
  explore: ['core', 'rng', 'trace', 'network', 'kernel', 'faults', 'workload', 'protocols', 'checkers', 'history', 'scenario', 'runner'],
  report: ['core', 'trace', 'checkers', 'history', 'runner'],
};
const allFolders = [...Object.keys(layers), 'cli'];

const nondeterminism = {
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Timers come from the kernel (ctx.setTimer); only src/cli/ may use real ones.' },
    { name: 'setInterval', message: 'Timers come from the kernel; only src/cli/ may use real ones.' },
    { name: 'setImmediate', message: 'Timers come from the kernel; only src/cli/ may use real ones.' },
    { name: 'performance', message: 'Wall-clock time is for src/cli/ only; use virtual time.' },
    { name: 'process', message: 'The process (env, argv, exit, hrtime) is for src/cli/ only.' },
    { name: 'crypto', message: 'Randomness comes from seeded streams (src/rng).' },
  ],
  'no-restricted-properties': ['error',
    { object: 'Math', property: 'random', message: 'Use a seeded stream from src/rng.' },
    { object: 'Date', property: 'now', message: 'Use virtual time.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: "NewExpression[callee.name='Date']", message: 'Use virtual time.' },
  ],
};

function importRules(folder) {
  const banned = allFolders.filter((f) => f !== folder && !layers[folder].includes(f));
  return {
    'no-restricted-imports': ['error', {
      patterns: [
        { group: banned.flatMap((f) => [`**/${f}`, `**/${f}/**`]), message: `src/${folder}/ may import only: ${layers[folder].join(', ') || 'nothing'} (see docs/ARCHITECTURE.md).` },
        { group: ['node:fs', 'node:fs/*', 'fs', 'fs/*', 'node:child_process', 'node:worker_threads', 'node:os', 'node:crypto', 'crypto'], message: 'I/O and the process belong to src/cli/.' },
      ],
    }],
  };
}

export default tseslint.config(
  // .stryker-tmp holds npm run mutation's instrumented copy of the repository while it runs.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Plain-JS bench and config files run on Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', performance: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: nondeterminism,
  },
  ...Object.keys(layers).map((folder) => ({ files: [`src/${folder}/**/*.ts`], rules: importRules(folder) })),
  {
    files: ['src/index.ts'],
    rules: nondeterminism,
  },
);
