/**
 * The named flaws without their profiles: for every named flaw of every registered protocol, how
 * many runs of `dsim fuzz --protocol P --flaws F` (the protocol's ordinary campaign: the whole
 * configuration space, every model, operator actions, swarm faults) it takes to find it, over
 * several campaign seeds. A run counts as finding the flaw only when a check that names the
 * property the flaw breaks (`FlawInfo.breaks`) fails; other failures are counted apart.
 *
 *   npx tsx bench/flaws.ts                     # 5 campaign seeds, up to 2000 runs each
 *   FLAW_SEEDS=3 FLAW_RUNS=500 npx tsx bench/flaws.ts
 *   FLAWS=raft/stale-read npx tsx bench/flaws.ts
 *   FLAW_FIRST_SEED=6 FLAW_SEEDS=10 npx tsx bench/flaws.ts   # campaign seeds 6-15
 *   FEEDBACK=off npx tsx bench/flaws.ts      # without coverage feedback (every run a fresh draw)
 *   npx tsx bench/flaws.ts --json
 *
 * Runs in this thread as `dsim fuzz` would (coverage feedback on unless FEEDBACK=off), shrinking
 * nothing (runs-to-find is the question, not the shrunk size).
 */
import { performance } from 'node:perf_hooks';
import { protocolRegistry } from '../src/protocols/index.js';
import { fuzzSetup, runCampaign, type FuzzRunOutcome } from '../src/fuzz/index.js';

export interface FlawResult {
  readonly protocol: string;
  readonly flaw: string;
  /** Per campaign seed: runs until found (1 = the first run), or undefined when not found. */
  readonly runsToFind: readonly (number | undefined)[];
  /** The breaking checks that found it, per seed. */
  readonly foundBy: readonly (string | undefined)[];
  /** Runs that failed other checks only (side effects) before the flaw was found, summed. */
  readonly otherFailures: number;
  readonly maxRuns: number;
  readonly wallMs: number;
}

/** The checks among `failed` that name a property in `breaks` (an invariant by its name in the detail). */
export function breakingChecks(outcome: FuzzRunOutcome, breaks: readonly string[]): string[] {
  const failed = outcome.failure?.failed ?? [];
  const out: string[] = [];
  for (const c of failed) {
    if (breaks.includes(c.name)) out.push(c.name);
    else if (c.name === 'invariants') for (const b of breaks) if (c.detail.includes(`${b}:`)) out.push(b);
  }
  return out;
}

export function measureFlaw(protocol: string, flaw: string, seeds: readonly number[], maxRuns: number, feedback = true): FlawResult {
  const protocols = protocolRegistry();
  const definition = protocols.get(protocol)!;
  const breaks = definition.flaws?.find((f) => f.name === flaw)?.breaks ?? [];
  const setup = fuzzSetup({ protocol, flaws: [flaw], protocols });
  const started = performance.now();
  const runsToFind: (number | undefined)[] = [];
  const foundBy: (string | undefined)[] = [];
  let otherFailures = 0;
  for (const seed of seeds) {
    let found: number | undefined;
    let by: string | undefined;
    runCampaign(setup, {
      campaignSeed: seed,
      runs: maxRuns,
      feedback,
      protocols,
      onOutcome: (outcome) => {
        if (outcome.status !== 'failed') return false;
        const hits = breakingChecks(outcome, breaks);
        if (hits.length === 0) {
          otherFailures++;
          return false;
        }
        found = outcome.index + 1;
        by = hits.join('+');
        return true;
      },
    });
    runsToFind.push(found);
    foundBy.push(by);
    // Progress per seed: a row of five long campaigns otherwise says nothing for an hour.
    if (process.env['FLAW_PROGRESS'] !== 'off') console.error(`  ${protocol}/${flaw} seed ${seed}: ${found === undefined ? `>${maxRuns}` : `run ${found} (${by})`}`);
  }
  return { protocol, flaw, runsToFind, foundBy, otherFailures, maxRuns, wallMs: performance.now() - started };
}

export function formatFlawTable(results: readonly FlawResult[]): string {
  const rows = results.map((r) => {
    const found = r.runsToFind.filter((n): n is number => n !== undefined).sort((a, b) => a - b);
    const median = found.length === 0 ? '-' : String(found[Math.floor((found.length - 1) / 2)]);
    const cells = r.runsToFind.map((n) => (n === undefined ? `>${r.maxRuns}` : String(n))).join(', ');
    const by = [...new Set(r.foundBy.filter((b): b is string => b !== undefined))].join(', ') || '-';
    return `| ${r.protocol} \`${r.flaw}\` | ${found.length}/${r.runsToFind.length} | ${cells} | ${median} | ${by} | ${r.otherFailures} |`;
  });
  return ['| flaw | found | runs to find, per campaign seed | median | found by | other failures |', '|---|---|---|---|---|---|', ...rows].join('\n');
}

async function main(): Promise<void> {
  const seedCount = Number(process.env['FLAW_SEEDS'] ?? 5);
  const maxRuns = Number(process.env['FLAW_RUNS'] ?? 2000);
  const only = process.env['FLAWS']?.split(',');
  const feedback = process.env['FEEDBACK'] !== 'off';
  const firstSeed = Number(process.env['FLAW_FIRST_SEED'] ?? 1);
  const seeds = Array.from({ length: seedCount }, (_, i) => firstSeed + i);
  const protocols = protocolRegistry();
  const results: FlawResult[] = [];
  for (const definition of protocols.values()) {
    for (const flaw of definition.flaws ?? []) {
      const key = `${definition.name}/${flaw.name}`;
      if (only !== undefined && !only.includes(key)) continue;
      const r = measureFlaw(definition.name, flaw.name, seeds, maxRuns, feedback);
      results.push(r);
      if (!process.argv.includes('--json')) console.error(`${key}: ${r.runsToFind.map((n) => n ?? `>${maxRuns}`).join(', ')} (${(r.wallMs / 1000).toFixed(0)}s)`);
    }
  }
  if (process.argv.includes('--json')) console.log(JSON.stringify(results));
  else console.log(formatFlawTable(results));
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) await main();
