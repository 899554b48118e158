// Stryker ignorer plugin "dsim-sample": inside the mutate ranges of a sampled run (mutants.mjs),
// every node that is neither a sampled mutant's node nor holds one is ignored, so only the sample
// (and other mutants of the same nodes) runs. The plan file is named by DSIM_MUTATION_PLAN.
// Ignorers see nodes, not file names: a file is recognized by its first comment (fingerprintOf).
import { readFileSync } from 'node:fs';
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const planFile = process.env.DSIM_MUTATION_PLAN;
const plan = planFile === undefined ? undefined : JSON.parse(readFileSync(planFile, 'utf8'));

/** A sampled mutant's node as Babel locates it: 1-based lines, 0-based columns. */
const babelLoc = (m) => ({
  start: { line: m.location.start.line + 1, column: m.location.start.column },
  end: { line: m.location.end.line + 1, column: m.location.end.column },
});
const locText = (l) => `${l.start.line}:${l.start.column}-${l.end.line}:${l.end.column}`;
function locsOf(mutants) {
  const locs = mutants.map(babelLoc);
  return { locs, exact: new Set(locs.map(locText)) };
}
const all = locsOf(plan?.sample ?? []);
const byFingerprint = new Map(Object.entries(plan?.fingerprints ?? {}).map(([fingerprint, file]) => [fingerprint, locsOf(plan.sample.filter((m) => m.file === file))]));

const before = (a, b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
const contains = (outer, inner) => before(outer.start, inner.start) && before(inner.end, outer.end);

/** The sampled locations of the file being instrumented (all of them when it is not recognized). */
let current = all;

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'dsim-sample', {
    shouldIgnore(path) {
      if (plan === undefined) return undefined;
      if (path.node.type === 'Program') {
        current = byFingerprint.get(path.parent?.comments?.[0]?.value) ?? all;
        return undefined;
      }
      const loc = path.node.loc;
      if (loc == null) return undefined;
      if (current.exact.has(locText(loc))) return undefined;
      if (current.locs.some((s) => contains(loc, s))) return undefined;
      return 'not in the sample (mutation/sample.json)';
    },
  }),
];
