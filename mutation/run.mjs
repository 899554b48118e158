// npm run mutation [-- --resample --seed S --per-stratum K --add-strata a,b --strata a,b --plan-only]
//
// Runs StrykerJS on the sampled mutants of src/protocols (mutation/sample.json; made from the
// current code with --resample, or when missing) against the default fuzz campaign, then writes the
// score per stratum to mutation/results-<commit>.json and prints it. The same sample file on later
// code runs the same mutants (by key, see mutants.mjs); keys whose code is gone are counted as gone.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXCLUDED, addStrata, fingerprintOf, listMutants, sampleMutants } from './mutants.mjs';
import { campaignSettings } from './campaign-settings.mjs';
import { scoreReport, formatScores } from './score.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    resample: { type: 'boolean', default: false },
    seed: { type: 'string', default: '11' },
    'per-stratum': { type: 'string', default: '40' },
    // Folders that joined src/protocols after the sample was drawn: sample them from the current
    // code (same seed and size) and append them; the existing strata's mutants stay as they are.
    'add-strata': { type: 'string' },
    'plan-only': { type: 'boolean', default: false },
    'score-only': { type: 'boolean', default: false },
    sample: { type: 'string', default: 'mutation/sample.json' },
    // A shorter re-measure: run again only the mutants that had these statuses in an earlier
    // results file, and carry the others' earlier status over (marked as carried).
    'rerun-from': { type: 'string' },
    statuses: { type: 'string', default: 'survived,noCoverage' },
    // Only these strata (comma-separated), when time allows no more; the results file says so.
    strata: { type: 'string' },
  },
});

const sampleFile = resolve(root, args.sample);
const planFile = join(root, 'reports/mutation/plan.json');
const reportFile = join(root, 'reports/mutation/mutation.json');
const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const mainCommit = execFileSync('git', ['merge-base', 'HEAD', 'main'], { cwd: root, encoding: 'utf8' }).trim().slice(0, 12);
const dirty = execFileSync('git', ['status', '--porcelain', 'src/protocols'], { cwd: root, encoding: 'utf8' }).trim() !== '';

function writeJson(file, value) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 1) + '\n');
  renameSync(`${file}.tmp`, file);
}

const current = await listMutants(root);
if (args.resample || !existsSync(sampleFile)) {
  const seed = args.seed;
  const perStratum = Number(args['per-stratum']);
  const sample = sampleMutants(current, { seed, perStratum });
  writeJson(sampleFile, {
    seed,
    perStratum,
    madeAt: commit,
    excluded: EXCLUDED.map((e) => ({ pattern: String(e.pattern), why: e.why })),
    mutants: sample.map(({ key, stratum }) => ({ key, stratum })),
  });
  console.log(`sampled ${sample.length} of ${current.length} mutants (seed ${seed}, ${perStratum} per stratum) -> ${args.sample}`);
}

if (args['add-strata'] !== undefined) {
  const { sample: grown, added } = addStrata(JSON.parse(readFileSync(sampleFile, 'utf8')), current, args['add-strata'].split(','), commit);
  writeJson(sampleFile, grown);
  console.log(`added ${added} mutants in ${args['add-strata']} (seed ${grown.seed}, ${grown.perStratum} per stratum) -> ${args.sample}`);
}

const sample = JSON.parse(readFileSync(sampleFile, 'utf8'));
const byKey = new Map(current.map((m) => [m.key, m]));
const earlier = args['rerun-from'] === undefined ? undefined : JSON.parse(readFileSync(resolve(root, args['rerun-from']), 'utf8'));
const rerun = args.statuses.split(',');
const inStrata = (m) => args.strata === undefined || args.strata.split(',').includes(m.stratum);
const carried = earlier === undefined ? [] : earlier.mutants.filter((m) => inStrata(m) && !rerun.includes(m.status) && m.status !== 'gone' && byKey.has(m.key));
const carriedKeys = new Set(carried.map((m) => m.key));
const strata = args.strata?.split(',');
const chosen = sample.mutants.filter((s) => strata === undefined || strata.includes(s.stratum));
const present = chosen.flatMap((s) => (byKey.has(s.key) && !carriedKeys.has(s.key) ? [{ ...byKey.get(s.key), stratum: s.stratum }] : []));
const gone = chosen.filter((s) => !byKey.has(s.key));
const files = [...new Set(present.map((m) => m.file))];
const fingerprints = Object.fromEntries(files.map((f) => [fingerprintOf(readFileSync(join(root, f), 'utf8')), f]).filter(([fp]) => fp !== undefined));
writeJson(planFile, { commit, fingerprints, sample: present });
console.log(`plan: ${present.length} sampled mutants${carried.length ? ` (${carried.length} more carried over from ${args['rerun-from']})` : ''} on ${commit}${dirty ? ' (src/protocols has uncommitted changes)' : ''}; ${gone.length} gone from the code`);
if (args['plan-only']) process.exit(0);

if (!args['score-only']) {
  const started = Date.now();
  const run = spawnSync('nice', ['-n', '10', 'npx', 'stryker', 'run', 'stryker.config.mjs'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DSIM_MUTATION_PLAN: planFile },
  });
  console.log(`stryker exited ${run.status} after ${Math.round((Date.now() - started) / 1000)} s`);
  if (run.status !== 0) process.exit(run.status ?? 1);
}

const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const scores = scoreReport(report, present, gone, carried);
const out = join(root, `mutation/results-${commit}${strata === undefined ? '' : `-${strata.join('-')}`}.json`);
writeJson(out, {
  commit,
  mainCommit,
  dirty,
  command: 'npm run mutation',
  sample: { seed: sample.seed, perStratum: sample.perStratum, madeAt: sample.madeAt },
  campaign: campaignSettings(),
  ...(strata !== undefined ? { strata } : {}),
  ...(earlier !== undefined ? { rerun: { from: args['rerun-from'], statuses: rerun, carried: carried.length } } : {}),
  ...scores,
});
console.log(formatScores(scores));
console.log(`wrote ${out}`);
