/**
 * `dsim run --seeds 1..100`: the same scenarios over many seeds. The question it answers is the one
 * every scenario author asks — does this hold (or fail) on every seed, or only on the one I tried?
 * Each run executes under the hang watchdog like any other; the table names the seeds that broke.
 */
import chalk from 'chalk';
import type { Expectation, RunResult } from '../runner/index.js';
import type { Scenario } from '../scenario/resolve.js';
import { EXIT, UsageError, type ExitCode } from './errors.js';
import { runOne, toJson, type Io, type RunJob } from './run.js';
import { watchedRunner, type WatchLimits } from './watchdog.js';
import { jsonText } from '../core/short-json.js';
import { outputWidth } from './colour.js';
import { besideProgress, startProgress } from './progress.js';
import { formatTable } from './table.js';

/** Most seeds one sweep may ask for: a bound, so a typo cannot start a day-long run. */
const MAX_SEEDS = 100_000;

/** `20` (seeds 1..20) or `5..50` (inclusive). */
export function parseSeedRange(text: string): { first: number; last: number } {
  const range = /^\s*(\d+)\s*\.\.\s*(\d+)\s*$/.exec(text);
  const count = /^\s*(\d+)\s*$/.exec(text);
  const first = range !== null ? Number(range[1]) : 1;
  const last = range !== null ? Number(range[2]) : count !== null ? Number(count[1]) : NaN;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || last < first) {
    throw new UsageError(`--seeds expects a count (20) or a range (5..50), got ${JSON.stringify(text)}`);
  }
  if (last - first + 1 > MAX_SEEDS) throw new UsageError(`--seeds asks for ${last - first + 1} seeds; at most ${MAX_SEEDS}`);
  return { first, last };
}

interface SweepRow {
  readonly scenario: string;
  readonly runs: number;
  readonly counts: Record<Expectation, number>;
  /** Seeds whose expectation broke, in order (the first few are printed). */
  readonly broken: number[];
  readonly inconclusive: number[];
  /** "check verdict" (a verdict other than the expected one) -> runs. */
  readonly unexpected: Map<string, number>;
}

export async function sweepCommand(
  scenarios: readonly Scenario[],
  range: { first: number; last: number },
  options: { readonly protocolModule?: string; readonly json?: boolean; readonly limits: WatchLimits; readonly progress?: boolean },
  io: Io,
): Promise<ExitCode> {
  const watched = watchedRunner(options.limits);
  const rows: SweepRow[] = [];
  const seeds = range.last - range.first + 1;
  const progress = startProgress(
    { format: 'seeds [{bar}] {value}/{total} runs | {broken} broken | {scenario}', total: seeds * scenarios.length, fields: { broken: 0, scenario: scenarios[0]?.name ?? '' } },
    options.progress === true,
  );
  const say = besideProgress(io, progress);
  let done = 0;
  let broken = 0;
  try {
    for (const scenario of scenarios) {
      const row: SweepRow = { scenario: scenario.name, runs: 0, counts: { held: 0, broken: 0, inconclusive: 0 }, broken: [], inconclusive: [], unexpected: new Map() };
      for (let seed = range.first; seed <= range.last; seed++) {
        const job: RunJob = { file: scenario.file, ...(options.protocolModule !== undefined ? { protocolModule: options.protocolModule } : {}), seed, timeline: false, colour: false, checkDeterminism: false };
        const { result, wallMs } = watched !== undefined ? await watched.run(job, scenario) : runOne(scenario, job);
        record(row, seed, result);
        if (options.json) say.out(jsonText(toJson(result, wallMs)));
        if (result.expectation === 'broken') broken++;
        progress?.update(++done, { broken, scenario: scenario.name });
      }
      rows.push(row);
    }
  } finally {
    progress?.stop();
    await watched?.close();
  }
  if (!options.json) io.out(formatSweep(rows, range, outputWidth(process.env, process.stdout)));
  if (rows.some((r) => r.counts.broken > 0)) return EXIT.violated;
  if (rows.some((r) => r.counts.inconclusive > 0)) return EXIT.unknown;
  return EXIT.ok;
}

function record(row: SweepRow, seed: number, result: RunResult): void {
  (row as { runs: number }).runs++;
  row.counts[result.expectation]++;
  if (result.expectation === 'broken') row.broken.push(seed);
  if (result.expectation === 'inconclusive') row.inconclusive.push(seed);
  const mustFail = new Set(result.expected === 'pass' ? [] : result.expected.violates);
  for (const check of result.checks) {
    const wanted = mustFail.has(check.name) ? 'fail' : 'pass';
    if (check.verdict === wanted) continue;
    const key = `${check.name} ${check.verdict === 'pass' ? 'held' : check.verdict === 'fail' ? 'failed' : 'unknown'}`;
    row.unexpected.set(key, (row.unexpected.get(key) ?? 0) + 1);
  }
}

function formatSweep(rows: readonly SweepRow[], range: { first: number; last: number }, width: number | undefined): string {
  const seeds = (list: readonly number[]): string => (list.length === 0 ? '-' : list.slice(0, 8).join(' ') + (list.length > 8 ? ` (+${list.length - 8})` : ''));
  const header = ['scenario', 'seeds', 'held', 'broken', 'inconclusive', 'checks against expectation (runs)', 'broken on seeds'];
  const body = rows.map((r) => [
    r.scenario,
    `${range.first}..${range.last}`,
    String(r.counts.held),
    String(r.counts.broken),
    String(r.counts.inconclusive),
    [...r.unexpected].map(([what, n]) => `${what} ${n}`).join(', ') || '-',
    seeds(r.broken),
  ]);
  const paint = (i: number, line: string): string => (rows[i]!.counts.broken > 0 ? chalk.red(line) : rows[i]!.counts.inconclusive > 0 ? chalk.yellow(line) : line);
  return formatTable({ header, rows: body, paint, bold: chalk.bold, ...(width !== undefined ? { width } : {}) });
}
