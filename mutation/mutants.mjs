// Which mutants of src/protocols the mutation measurement runs, reproducibly.
//
// Every mutant gets a *key* that survives unrelated edits: its file, mutator, the original source
// text it replaces, the replacement, and which occurrence of that (file, mutator, original,
// replacement) it is in the file. A sample is the `perStratum` mutants with the smallest
// sha256(seed, key) in each stratum (a protocol's folder, or the shared `common` and `crdt`), and is
// stored as its keys (mutation/sample.json), so a later measurement on changed code runs the same
// mutants: each key is looked up again, and a key whose code is gone is reported as gone.
//
// Stryker cannot be told "run these mutant ids", so a sample is turned into (a) mutate ranges, one
// per sampled mutant's node (so the nodes enclosing it are not mutated), and (b) an ignorer plugin
// (sample-ignorer.mjs) that ignores every node inside a range that is not itself sampled and holds
// no sampled node. Mutators that make several mutants of one sampled node run them all; the
// results count only the sampled ones.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files under src/protocols that are not mutated, and why. */
export const EXCLUDED = [
  { pattern: /\/types\.ts$/, why: 'types and message/timer name constants only' },
  { pattern: /^src\/protocols\/index\.ts$/, why: 'the registry: a mutant there removes a whole protocol' },
  { pattern: /\/master-slave\/tradeoffs\.ts$/, why: 'the trade-off table dsim run prints; no protocol behaviour' },
  // The oracle, not the code under test: a mutant that weakens a check survives any campaign and
  // one that strengthens it is a false alarm; neither says whether the fuzzer finds protocol bugs.
  { pattern: /\/invariants\.ts$|\/checks\.ts$|\/crdt\/checkers\.ts$/, why: 'checks and invariants (the oracle)' },
];

/** The files Stryker mutates: tracked .ts files under src/protocols, minus EXCLUDED. */
export function mutatedFiles(root) {
  return execFileSync('git', ['ls-files', 'src/protocols'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !EXCLUDED.some((e) => e.pattern.test(f)));
}

/** The stratum a file is sampled in: its folder under src/protocols. */
export function stratumOf(file) {
  return file.split('/')[2] ?? 'protocols';
}

const quietLogger = new Proxy({}, { get: (_, name) => (String(name).startsWith('is') ? () => false : () => {}) });

/** The source text a 0-based {start, end} location covers. */
export function textAt(lines, location) {
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line].slice(start.column, end.column);
  return [lines[start.line].slice(start.column), ...lines.slice(start.line + 1, end.line), lines[end.line].slice(0, end.column)].join('\n');
}

/**
 * Keys for mutants given in file order: `file|mutator|original|replacement|#n`, where n counts
 * earlier mutants of the file with the same four fields.
 */
export function keyMutants(mutants, sources) {
  const seen = new Map();
  return mutants.map((m) => {
    const original = textAt(sources.get(m.file), m.location);
    const base = [m.file, m.mutatorName, original, m.replacement].join('|');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return { ...m, original, key: `${base}|#${n}` };
  });
}

/** Every mutant Stryker's instrumenter makes of these files (0-based lines and columns), keyed. */
export async function listMutants(root, files = mutatedFiles(root)) {
  const sources = new Map(files.map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n')]));
  // Loaded here, not at the top: the pure helpers below are unit-tested without Babel.
  const { Instrumenter } = await import('@stryker-mutator/instrumenter');
  const instrumenter = new Instrumenter(quietLogger);
  const { mutants } = await instrumenter.instrument(
    files.map((name) => ({ name, mutate: true, content: sources.get(name).join('\n') })),
    { plugins: null, excludedMutations: [], ignorers: [] },
  );
  return keyMutants(
    mutants.map((m) => ({ file: m.fileName, mutatorName: m.mutatorName, replacement: m.replacement, location: m.location })),
    sources,
  );
}

function rank(seed, key) {
  return createHash('sha256').update(`${seed}\n${key}`).digest('hex');
}

/** The `perStratum` mutants of each stratum with the smallest hash of (seed, key). */
export function sampleMutants(mutants, { seed, perStratum }) {
  const byStratum = new Map();
  for (const m of mutants) {
    const s = stratumOf(m.file);
    if (!byStratum.has(s)) byStratum.set(s, []);
    byStratum.get(s).push({ ...m, rank: rank(seed, m.key) });
  }
  return [...byStratum.keys()].sort().flatMap((s) =>
    byStratum
      .get(s)
      .sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0))
      .slice(0, perStratum)
      .map(({ rank: _rank, ...m }) => ({ ...m, stratum: s })),
  );
}

/**
 * A stored sample grown by strata (folders) that joined src/protocols after it was drawn: each new
 * stratum is drawn from the current mutants with the sample's seed and size. Strata are drawn
 * independently (the smallest hashes within each), so this is the draw a full resample would make
 * for them, and the existing strata's mutants stay exactly as stored. Strata already in the sample
 * are skipped; a stratum with no mutants is an error naming the folders there are.
 */
export function addStrata(sample, current, strata, madeAt) {
  const have = new Set(sample.mutants.map((m) => m.stratum));
  const adding = strata.filter((s) => !have.has(s));
  const drawn = sampleMutants(
    current.filter((m) => adding.includes(stratumOf(m.file))),
    { seed: sample.seed, perStratum: sample.perStratum },
  );
  const empty = adding.filter((s) => !drawn.some((m) => m.stratum === s));
  if (empty.length > 0) throw new Error(`no mutants in ${empty.join(', ')} (strata with mutants: ${[...new Set(current.map((m) => stratumOf(m.file)))].join(', ')})`);
  return {
    sample: {
      ...sample,
      added: [...(sample.added ?? []), ...adding.map((stratum) => ({ stratum, madeAt }))],
      mutants: [...sample.mutants, ...drawn.map(({ key, stratum }) => ({ key, stratum }))],
    },
    added: drawn.length,
  };
}

/** Stryker's `mutate` entry for one mutant's node: `file:line:col-line:col`, lines 1-based. */
export function mutateRange(m) {
  const { start, end } = m.location;
  return `${m.file}:${start.line + 1}:${start.column}-${end.line + 1}:${end.column}`;
}

/**
 * What the ignorer recognizes a file by (it sees nodes, not file names): the text of the file's
 * first comment, as Babel gives a comment's value. Every mutated file opens with its own.
 */
export function fingerprintOf(content) {
  const m = /^\s*\/\*([\s\S]*?)\*\//.exec(content) ?? /^\s*\/\/(.*)/.exec(content);
  return m === null ? undefined : m[1];
}
