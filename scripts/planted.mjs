// npm run planted [-- --runs 1000 --seeds 1,2,3,4,5 --only name,name]
//
// The classic-mistakes catalog: each mutation/planted/NAME.patch is a small bug a developer could
// write into a protocol. For each, this applies it to a detached git worktree of HEAD (the working
// tree is never touched) and runs the default campaign `dsim fuzz --protocol P --runs N --seed S`
// on that source (through tsx) for each campaign seed: found or not, runs to the first failure,
// which checks failed, the shrunk size. A patch that no longer applies is reported as STALE (refresh it). A finding is
// checked against the unpatched source on the same seed and runs (a control): if that fails too, the
// row says so. Writes mutation/planted-results-<commit>.json and prints a Markdown table.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { campaignOutcome, describeSize, parsePatch, summarizeSeeds } from './planted-lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '1,2,3,4,5' },
    only: { type: 'string' },
    // The commit whose protocols are measured (default HEAD): a baseline can be finished later.
    ref: { type: 'string', default: 'HEAD' },
    // An older ref may need the dependencies it was written against (default: this checkout's).
    'node-modules': { type: 'string', default: 'node_modules' },
  },
});
const runs = Number(args.runs);
const seeds = args.seeds.split(',').map(Number);
const git = (cwd, ...a) => execFileSync('git', a, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const commit = git(root, 'rev-parse', '--short=12', args.ref).trim();

const dir = join(root, 'mutation/planted');
const only = args.only?.split(',');
const patches = readdirSync(dir)
  .filter((f) => f.endsWith('.patch'))
  .sort()
  .map((f) => ({ ...parsePatch(f, readFileSync(join(dir, f), 'utf8')), file: join(dir, f), name: f.replace(/\.patch$/, '') }))
  .filter((p) => only === undefined || only.includes(p.name));

const work = mkdtempSync(join(tmpdir(), 'dsim-planted-'));
const tree = join(work, 'tree');
git(root, 'worktree', 'add', '--detach', tree, commit);
symlinkSync(resolve(root, args['node-modules']), join(tree, 'node_modules'));

/**
 * The patched source runs through tsx (esbuild, on the fly) rather than a tsc build: a build per
 * patch costs more than most campaigns on a shared machine. A patch that does not compile fails
 * the first campaign's start (reported as not building); type errors alone go unnoticed, which a
 * one-line mistake does not need.
 */
const cli = ['--import', 'tsx', join(tree, 'src/cli/main.ts')];

function fuzz(protocol, seed, n, label) {
  const out = join(work, 'failures', label);
  const r = spawnSync(
    'nice',
    ['-n', '10', process.execPath, ...cli, 'fuzz', '--protocol', protocol, '--runs', String(n), '--seed', String(seed), '--json', '--no-progress', '--out', out],
    { cwd: tree, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0 && r.status !== 1) throw new BuildError(`dsim fuzz --protocol ${protocol} --seed ${seed} exited ${r.status}: ${r.stderr.trim().split('\n').slice(0, 3).join(' ')}`);
  let summary;
  try {
    summary = JSON.parse(r.stdout);
  } catch {
    throw new BuildError(`dsim fuzz --protocol ${protocol} --seed ${seed} printed no summary (exit ${r.status}): ${r.stderr.trim().split('\n').slice(0, 3).join(' ')}`);
  }
  return campaignOutcome(summary);
}

class BuildError extends Error {}

// The unpatched source, run lazily: only where a patch found something, up to that run.
const controls = new Map();
function controlFails(protocol, seed, upTo) {
  const key = `${protocol}:${seed}`;
  const known = controls.get(key);
  if (known !== undefined && (known.found || known.runs >= upTo)) return known.found && known.runsToFind <= upTo;
  git(tree, 'checkout', '-q', '--', '.');
  const outcome = fuzz(protocol, seed, upTo, `control-${protocol}-${seed}`);
  controls.set(key, outcome);
  return outcome.found;
}

const rows = [];
const started = Date.now();
const cleanup = () => {
  if (existsSync(tree)) git(root, 'worktree', 'remove', '--force', tree);
  rmSync(work, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}
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
    const outcomes = [];
    for (const seed of seeds) {
      let o;
      try {
        o = fuzz(patch.protocol, seed, runs, `${patch.name}-${seed}`);
      } catch (error) {
        if (!(error instanceof BuildError)) throw error;
        console.log(`STALE ${patch.name}: applies but does not run (${error.message})`);
        break;
      }
      outcomes.push({ seed, ...o });
      console.log(`${patch.name} seed ${seed}: ${o.found ? `found at run ${o.runsToFind} (${o.checks.join(', ')}; shrunk ${describeSize(o.shrunk)})` : `not found in ${o.runs} runs`}`);
    }
    if (outcomes.length < seeds.length) {
      rows.push({ ...patch, status: 'stale', error: 'applies but does not run' });
      continue;
    }
    // Control after the patch's own runs (the tree is put back unpatched for it).
    for (const o of outcomes) if (o.found) o.controlFails = controlFails(patch.protocol, o.seed, o.runsToFind);
    rows.push({ ...patch, status: 'measured', outcomes, ...summarizeSeeds(outcomes) });
  }
} finally {
  cleanup();
}

const result = { commit, command: `npm run planted -- --runs ${runs} --seeds ${seeds.join(',')}${args.ref !== 'HEAD' ? ` --ref ${args.ref}` : ''}`, runs, seeds, wallTimeS: Math.round((Date.now() - started) / 1000), rows };
// Rows of earlier (partial) runs on the same commit and settings are kept unless measured again.
const out = join(root, `mutation/planted-results-${commit}.json`);
const before = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : undefined;
if (before !== undefined && before.runs === runs && before.seeds.join() === seeds.join()) {
  const fresh = new Set(rows.map((r) => r.name));
  rows.unshift(...before.rows.filter((r) => !fresh.has(r.name)));
  rows.sort((a, b) => a.name.localeCompare(b.name));
}
// Patch files by their path in the repository, not this checkout's.
const stored = rows.map((r) => ({ ...r, file: relative(root, resolve(root, r.file)) }));
writeFileSync(`${out}.tmp`, JSON.stringify({ ...result, rows: stored }, null, 1) + '\n');
renameSync(`${out}.tmp`, out);

console.log(`\n| patch | protocol | found (of ${seeds.length} seeds) | runs to first failure | failing checks | shrunk (faults / ops / nodes / main phase) |`);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  if (r.status === 'stale') {
    console.log(`| \`${r.name}\` | ${r.protocol} | STALE: ${r.error} | | | |`);
    continue;
  }
  const firstFound = r.outcomes.find((o) => o.found);
  const tainted = r.outcomes.some((o) => o.controlFails) ? ' (the unpatched source fails too on some seed)' : '';
  console.log(
    `| \`${r.name}\` | ${r.protocol} | ${r.foundIn}/${r.seeds}${tainted} | ${r.runsToFind.join(', ') || '-'} | ${r.checks.join(', ') || '-'} | ${describeSize(firstFound?.shrunk)} |`,
  );
}
const found = rows.filter((r) => r.status === 'measured' && r.foundIn > 0).length;
console.log(`\n${found} of ${rows.length} planted bugs found by at least one of ${seeds.length} campaigns of ${runs} runs on ${commit} (${Math.round((Date.now() - started) / 1000)} s); wrote ${out}`);
