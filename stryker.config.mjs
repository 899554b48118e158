// StrykerJS: mutation testing of src/protocols against the default fuzz campaign
// (mutation/campaign.mutation.ts). Run it through `npm run mutation` (mutation/run.mjs), which
// samples the mutants reproducibly and names the plan in DSIM_MUTATION_PLAN; without a plan every
// mutant of the mutated files runs (hours on two cores). See mutation/README.md.
import { readFileSync } from 'node:fs';
import { mutatedFiles, mutateRange } from './mutation/mutants.mjs';

const planFile = process.env.DSIM_MUTATION_PLAN;
const plan = planFile === undefined ? undefined : JSON.parse(readFileSync(planFile, 'utf8'));
const mutate = plan === undefined ? mutatedFiles(process.cwd()) : [...new Set(plan.sample.map(mutateRange))];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner', './mutation/sample-ignorer.mjs'],
  ignorers: plan === undefined ? [] : ['dsim-sample'],
  mutate,
  coverageAnalysis: 'perTest',
  // Two cores shared by everyone: one test process at a time.
  concurrency: 1,
  // A mutant whose handler never returns is Stryker's "timeout" (the CLI's watchdog would report it
  // as a hang); generous margins so a merely slower mutant is not counted as one.
  timeoutMS: 20_000,
  // The dry run is the whole campaign of every protocol in one thread, instrumented, on a shared
  // machine: Stryker's default 5 minutes is not enough.
  dryRunTimeoutMinutes: 30,
  timeoutFactor: 3,
  reporters: ['json', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'reports', 'failures', 'bench', 'test', 'scenarios', 'docs', '.stryker-tmp'],
};
