// npm run planted [-- --runs 1000 --seeds 1,2,3,4,5 --only name,name]
//
// The classic-mistakes catalog: each mutation/planted/NAME.patch is a small bug a developer could
// write into a protocol. For each, this applies it to a detached git worktree of HEAD (the working
// tree is never touched), builds, and runs the default campaign `dsim fuzz --protocol P --runs N
// --seed S` for each campaign seed: found or not, runs to the first failure, which checks failed,
// the shrunk size. A patch that no longer applies is reported as STALE (refresh it). A finding is
// checked against the unpatched build on the same seed and runs (a control): if that fails too, the
// row says so. Writes mutation/planted-results-<commit>.json and prints a Markdown table.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { campaignOutcome, describeSize, parsePatch, summarizeSeeds } from './planted-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '1,2,3,4,5' },
    only: { type: 'string' },
  },
});
const runs = Number(args.runs);
const seeds = args.seeds.split(',').map(Number);
const git = (cwd, ...a) => execFileSync('git', a, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const commit = git(root, 'rev-parse', '--short=12', 'HEAD').trim();

const dir = join(root, 'mutation/planted');
const only = args.only?.split(',');
const patches = readdirSync(dir)
  .filter((f) => f.endsWith('.patch'))
  .sort()
  .map((f) => ({ ...parsePatch(f, readFileSync(join(dir, f), 'utf8')), file: join(dir, f), name: f.replace(/\.patch$/, '') }))
  .filter((p) => only === undefined || only.includes(p.name));

const work = mkdtempSync(join(tmpdir(), 'dsim-planted-'));
const tree = join(work, 'tree');
git(root, 'worktree', 'add', '--detach', tree, 'HEAD');
symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));

function build() {
  const r = spawnSync('nice', ['-n', '10', process.execPath, join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: tree, encoding: 'utf8' });
  return r.status === 0 ? undefined : (r.stdout + r.stderr).split('\n').slice(0, 5).join(' ');
}

function fuzz(protocol, seed, n, label) {
  const out = join(work, 'failures', label);
  const r = spawnSync(
    'nice',
    ['-n', '10', process.execPath, join(tree, 'dist/cli/main.js'), 'fuzz', '--protocol', protocol, '--runs', String(n), '--seed', String(seed), '--json', '--no-progress', '--out', out],
    { cwd: tree, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0 && r.status !== 1) throw new Error(`dsim fuzz --protocol ${protocol} --seed ${seed} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return campaignOutcome(JSON.parse(r.stdout));
}

// The unpatched build, run lazily: only where a patch found something, up to that run.
const controls = new Map();
function controlFails(protocol, seed, upTo) {
  const key = `${protocol}:${seed}`;
  const known = controls.get(key);
  if (known !== undefined && (known.found || known.runs >= upTo)) return known.found && known.runsToFind <= upTo;
  git(tree, 'checkout', '-q', '--', '.');
  const error = build();
  if (error !== undefined) throw new Error(`the unpatched tree does not build: ${error}`);
  const outcome = fuzz(protocol, seed, upTo, `control-${protocol}-${seed}`);
  controls.set(key, outcome);
  return outcome.found;
}

const rows = [];
const started = Date.now();
try {
  for (const patch of patches) {
    git(tree, 'checkout', '-q', '--', '.');
    const check = spawnSync('git', ['apply', '--check', patch.file], { cwd: tree, encoding: 'utf8' });
    if (check.status !== 0) {
      rows.push({ ...patch, status: 'stale', error: check.stderr.trim().split('\n')[0] });
      console.log(`STALE ${patch.name}: the patch no longer applies (${check.stderr.trim().split('\n')[0]}); refresh it against the current code`);
      continue;
    }
    git(tree, 'apply', patch.file);
    const error = build();
    if (error !== undefined) {
      rows.push({ ...patch, status: 'stale', error: `does not build: ${error}` });
      console.log(`STALE ${patch.name}: applies but does not build (${error})`);
      continue;
    }
    const outcomes = [];
    for (const seed of seeds) {
      const o = fuzz(patch.protocol, seed, runs, `${patch.name}-${seed}`);
      outcomes.push({ seed, ...o });
      console.log(`${patch.name} seed ${seed}: ${o.found ? `found at run ${o.runsToFind} (${o.checks.join(', ')}; shrunk ${describeSize(o.shrunk)})` : `not found in ${o.runs} runs`}`);
    }
    // Control after the patch's own runs (the tree is rebuilt unpatched for it).
    for (const o of outcomes) if (o.found) o.controlFails = controlFails(patch.protocol, o.seed, o.runsToFind);
    rows.push({ ...patch, status: 'measured', outcomes, ...summarizeSeeds(outcomes) });
  }
} finally {
  git(root, 'worktree', 'remove', '--force', tree);
  rmSync(work, { recursive: true, force: true });
}

const result = { commit, command: `npm run planted -- --runs ${runs} --seeds ${seeds.join(',')}`, runs, seeds, wallTimeS: Math.round((Date.now() - started) / 1000), rows };
const out = join(root, `mutation/planted-results-${commit}.json`);
if (only === undefined) {
  writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 1) + '\n');
  renameSync(`${out}.tmp`, out);
}

console.log(`\n| patch | protocol | found (of ${seeds.length} seeds) | runs to first failure | failing checks | shrunk (faults / ops / nodes / main phase) |`);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.status === 'stale') {
    console.log(`| \`${r.name}\` | ${r.protocol} | STALE: ${r.error} | | | |`);
    continue;
  }
  const firstFound = r.outcomes.find((o) => o.found);
  const tainted = r.outcomes.some((o) => o.controlFails) ? ' (the unpatched build fails too on some seed)' : '';
  console.log(
    `| \`${r.name}\` | ${r.protocol} | ${r.foundIn}/${r.seeds}${tainted} | ${r.runsToFind.join(', ') || '-'} | ${r.checks.join(', ') || '-'} | ${describeSize(firstFound?.shrunk)} |`,
  );
}
const found = rows.filter((r) => r.status === 'measured' && r.foundIn > 0).length;
console.log(`\n${found} of ${rows.length} planted bugs found by at least one of ${seeds.length} campaigns of ${runs} runs (${Math.round((Date.now() - started) / 1000)} s)${only === undefined ? `; wrote ${out}` : ''}`);
if (existsSync(out) && only === undefined) console.log(`results: ${out}`);
