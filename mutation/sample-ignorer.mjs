// Stryker ignorer plugin "dsim-sample": inside the mutate ranges of a sampled run (mutants.mjs),
// every node that is neither a sampled mutant's node nor holds one is ignored, so only the sample
// (and other mutants of the same nodes) runs. The plan file is named by DSIM_MUTATION_PLAN.
import { readFileSync } from 'node:fs';
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const planFile = process.env.DSIM_MUTATION_PLAN;
const plan = planFile === undefined ? undefined : JSON.parse(readFileSync(planFile, 'utf8'));
/** Babel locations ({start: {line, column}, end}) of the sampled mutants' nodes. */
const sampled = (plan?.sample ?? []).map((m) => ({
  start: { line: m.location.start.line + 1, column: m.location.start.column },
  end: { line: m.location.end.line + 1, column: m.location.end.column },
}));
const exact = new Set(sampled.map((l) => `${l.start.line}:${l.start.column}-${l.end.line}:${l.end.column}`));

const before = (a, b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
const contains = (outer, inner) => before(outer.start, inner.start) && before(inner.end, outer.end);

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'dsim-sample', {
    shouldIgnore(path) {
      const loc = path.node.loc;
      if (plan === undefined || loc == null) return undefined;
      if (exact.has(`${loc.start.line}:${loc.start.column}-${loc.end.line}:${loc.end.column}`)) return undefined;
      if (sampled.some((s) => contains(loc, s))) return undefined;
      return 'not in the sample (mutation/sample.json)';
    },
  }),
];
