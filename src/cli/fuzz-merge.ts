/**
 * `dsim fuzz merge DIR...`: one campaign out of its shards. Every `dsim fuzz` writes its summary
 * (`fuzz-summary-I-of-N.json`) beside its failure files; merge reads those summaries and files —
 * nothing else — checks that they are shards of one campaign, adds up the counts, and keeps one
 * failure per distinct shrunk scenario (failures of different runs that shrink to the same
 * scenario, seed and name aside, are one bug found several times).
 *
 * Whatever else a summary carries is carried too: fields every shard agrees on stay at the top,
 * and each shard's own summary is kept whole under `shards`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import chalk from 'chalk';
import { canonicalJson } from '../core/canonical.js';
import { plural } from '../core/plural.js';
import { parseFailureScenario } from '../fuzz/index.js';
import { writeFileAtomic } from './atomic.js';
import { EXIT, UsageError, type ExitCode } from './errors.js';
import type { Io } from './run.js';
import { formatTable } from './table.js';
import { DSIM, displayPath, shellQuote } from './command-line.js';

/** The file name a shard's summary is written under, in its `--out` directory. */
export function summaryFileName(shard: { readonly index: number; readonly count: number }): string {
  return `fuzz-summary-${shard.index}-of-${shard.count}.json`;
}
const SUMMARY_FILE = /^fuzz-summary-(\d+)-of-(\d+)\.json$/;
/** What merge writes into `--out`. */
export const CAMPAIGN_FILE = 'fuzz-campaign.json';

/** Fields that must agree for summaries to be shards of one campaign. */
const IDENTITY = ['protocol', 'flaws', 'options', 'checks', 'faults', 'swarm', 'seed', 'requestedRuns', 'timeLimitMs'] as const;
/** Fields merge computes itself (everything else is carried). */
const COMPUTED = new Set(['shard', 'runs', 'passed', 'failed', 'inconclusive', 'inconclusiveChecks', 'interrupted', 'wallTimeMs', 'runsPerSecond', 'meanEvents', 'meanOps', 'failures', 'workers', 'repeat']);

export interface LoadedShard {
  /** Where the summary was read from. */
  readonly path: string;
  readonly summary: Record<string, unknown>;
  readonly index: number;
  readonly count: number;
}

export interface MergedFailure extends Record<string, unknown> {
  readonly shard: string;
  /** The same shrunk scenario, found again by other runs. */
  readonly duplicates: ReadonlyArray<{ readonly shard: string; readonly index: unknown; readonly seed: unknown; readonly file: string }>;
}

export interface MergedCampaign extends Record<string, unknown> {
  readonly shardCount: number;
  readonly shardsPresent: readonly number[];
  readonly shardsMissing: readonly number[];
  readonly runs: number;
  readonly passed: number;
  readonly failed: number;
  readonly inconclusive: number;
  /** Failures before de-duplication. */
  readonly failuresFound: number;
  readonly failures: readonly MergedFailure[];
  readonly shards: ReadonlyArray<Record<string, unknown>>;
}

/** Summaries named by the arguments: files as given, directories searched two levels deep. */
export function findSummaries(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (SUMMARY_FILE.test(entry)) out.push(path);
      else if (depth < 2 && statSync(path).isDirectory()) walk(path, depth + 1);
    }
  };
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError('no such file or directory', input);
    if (statSync(input).isDirectory()) walk(input, 0);
    else out.push(input);
  }
  if (out.length === 0) throw new UsageError(`no fuzz summaries (fuzz-summary-I-of-N.json) found; \`dsim fuzz --out DIR\` writes one per shard`, inputs.join(' '));
  return out;
}

export function loadShard(path: string): LoadedShard {
  let summary: unknown;
  try {
    summary = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`not a fuzz summary: ${(error as Error).message}`, path);
  }
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) throw new UsageError('not a fuzz summary: expected a JSON object', path);
  const record = summary as Record<string, unknown>;
  const shard = /^(\d+)\/(\d+)$/.exec(String(record['shard'] ?? ''));
  if (shard === null) throw new UsageError('not a fuzz summary: no "shard": "i/n" field', path);
  for (const field of ['runs', 'passed', 'failed', 'inconclusive']) {
    if (typeof record[field] !== 'number') throw new UsageError(`not a fuzz summary: "${field}" is not a number`, path);
  }
  if (!Array.isArray(record['failures'])) throw new UsageError('not a fuzz summary: no "failures" list', path);
  return { path, summary: record, index: Number(shard[1]), count: Number(shard[2]) };
}

/** The scenario a failure file holds (its YAML body), or undefined when the file is gone. */
export function readFailureScenario(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return parseFailureScenario(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Merges shards of one campaign. `scenarioOf(shard, failure)` gives a failure's shrunk scenario
 * (read from its file); failures whose scenarios are equal, seed and name aside, and that failed
 * the same checks, are kept once, the first in (shard, run) order, the others as its duplicates.
 */
export function mergeShards(shards: readonly LoadedShard[], scenarioOf: (shard: LoadedShard, failure: Record<string, unknown>) => unknown): MergedCampaign {
  if (shards.length === 0) throw new UsageError('nothing to merge');
  const sorted = [...shards].sort((a, b) => a.index - b.index);
  const first = sorted[0]!;
  for (const shard of sorted) {
    if (shard.count !== first.count) throw new UsageError(`shard ${shard.index}/${shard.count} is from a campaign of ${shard.count} shards, ${first.path} from one of ${first.count}`, shard.path);
    for (const field of IDENTITY) {
      if (canonicalJson(shard.summary[field] ?? null) !== canonicalJson(first.summary[field] ?? null)) {
        throw new UsageError(`not the same campaign as ${first.path}: ${field} is ${JSON.stringify(shard.summary[field] ?? null)} here, ${JSON.stringify(first.summary[field] ?? null)} there`, shard.path);
      }
    }
  }
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.index === sorted[i - 1]!.index) throw new UsageError(`shard ${sorted[i]!.index}/${first.count} appears twice (also ${sorted[i - 1]!.path})`, sorted[i]!.path);
  }

  const sum = (field: string): number => sorted.reduce((total, s) => total + (s.summary[field] as number), 0);
  const runs = sum('runs');
  const weighted = (field: string): number => (runs === 0 ? 0 : Math.round(sorted.reduce((total, s) => total + ((s.summary[field] as number | undefined) ?? 0) * (s.summary['runs'] as number), 0) / runs));

  // Carried: every field all shards agree on (new fields of the summary format included).
  const carried: Record<string, unknown> = {};
  for (const key of Object.keys(first.summary)) {
    if (COMPUTED.has(key)) continue;
    if (sorted.every((s) => canonicalJson(s.summary[key] ?? null) === canonicalJson(first.summary[key] ?? null))) carried[key] = first.summary[key];
  }

  const failures: Array<MergedFailure & { duplicates: Array<MergedFailure['duplicates'][number]> }> = [];
  const byKey = new Map<string, number>();
  let failuresFound = 0;
  for (const shard of sorted) {
    const label = `${shard.index}/${shard.count}`;
    for (const raw of shard.summary['failures'] as Array<Record<string, unknown>>) {
      failuresFound++;
      const scenario = scenarioOf(shard, raw) as Record<string, unknown> | undefined;
      const key = scenario === undefined ? `${label}#${String(raw['index'])}` : failureKey(scenario, raw);
      const at = byKey.get(key);
      if (at !== undefined) {
        failures[at]!.duplicates.push({ shard: label, index: raw['index'], seed: raw['seed'], file: String(raw['file'] ?? '') });
        continue;
      }
      byKey.set(key, failures.length);
      failures.push({ ...raw, shard: label, duplicates: [] });
    }
  }

  const present = sorted.map((s) => s.index);
  return {
    ...carried,
    shard: 'merged',
    shardCount: first.count,
    shardsPresent: present,
    shardsMissing: Array.from({ length: first.count }, (_, i) => i + 1).filter((i) => !present.includes(i)),
    runs,
    passed: sum('passed'),
    failed: sum('failed'),
    inconclusive: sum('inconclusive'),
    inconclusiveChecks: sumCounts(sorted.map((s) => s.summary['inconclusiveChecks'])),
    interrupted: sorted.some((s) => s.summary['interrupted'] === true),
    // Shards run side by side: the campaign took as long as its slowest shard.
    wallTimeMs: Math.max(...sorted.map((s) => (s.summary['wallTimeMs'] as number | undefined) ?? 0)),
    runsPerSecond: Number(sorted.reduce((total, s) => total + ((s.summary['runsPerSecond'] as number | undefined) ?? 0), 0).toFixed(1)),
    meanEvents: weighted('meanEvents'),
    meanOps: weighted('meanOps'),
    failuresFound,
    failures,
    shards: sorted.map((s) => {
      const { failures: list, ...rest } = s.summary;
      return { ...rest, source: s.path, failures: (list as unknown[]).length };
    }),
  };
}

/** Equal for failures that shrank to the same scenario (seed and name aside) and failed the same checks. */
function failureKey(scenario: Record<string, unknown>, failure: Record<string, unknown>): string {
  const { seed: _seed, name: _name, ...shape } = scenario;
  const failed = Array.isArray(failure['failed']) ? (failure['failed'] as Array<{ name?: unknown }>).map((c) => String(c.name)).sort() : [];
  return canonicalJson({ shape, failed, kind: failure['kind'] ?? null });
}

export interface MergeCommandOptions {
  readonly out?: string;
  readonly json?: boolean;
}

/** `dsim fuzz merge DIR...`: exit 1 if any shard failed, 2 if shards are missing, else 0. */
export function mergeCommand(inputs: readonly string[], options: MergeCommandOptions, io: Io): ExitCode {
  const shards = findSummaries(inputs).map(loadShard);
  const fileOf = (shard: LoadedShard, failure: Record<string, unknown>): string => join(dirname(shard.path), basename(String(failure['file'] ?? '')));
  const merged = mergeShards(shards, (shard, failure) => readFailureScenario(fileOf(shard, failure)));

  // With --out: the distinct failure files (and reports) side by side, and the campaign summary.
  const where = new Map<MergedFailure, string>();
  for (const failure of merged.failures) {
    const shard = shards.find((s) => `${s.index}/${s.count}` === failure.shard)!;
    const source = fileOf(shard, failure);
    if (options.out === undefined || !existsSync(source)) {
      where.set(failure, source);
      continue;
    }
    mkdirSync(options.out, { recursive: true });
    const target = join(options.out, basename(source));
    copyFileSync(source, target);
    const report = source.replace(/\.ya?ml$/, '.html');
    if (report !== source && existsSync(report)) copyFileSync(report, join(options.out, basename(report)));
    where.set(failure, target);
  }
  const failures = merged.failures.map((f) => ({ ...f, file: where.get(f)!, replay: `${DSIM} replay ${shellQuote(displayPath(where.get(f)!))}` }));
  const campaign = { ...merged, failures };
  if (options.out !== undefined) writeFileAtomic(join(options.out, CAMPAIGN_FILE), JSON.stringify(campaign, null, 2) + '\n');

  if (options.json === true) io.out(JSON.stringify(campaign));
  else io.out(formatMerged(campaign, options.out));
  if (campaign.failed > 0) return EXIT.violated;
  if (campaign.shardsMissing.length > 0) return EXIT.unknown;
  return EXIT.ok;
}

function formatMerged(c: MergedCampaign, out: string | undefined): string {
  const flaws = Array.isArray(c['flaws']) && c['flaws'].length > 0 ? ` with flaws ${(c['flaws'] as string[]).join(', ')}` : '';
  const requested = typeof c['requestedRuns'] === 'number' ? `, ${plural(c['requestedRuns'], 'run')} requested` : typeof c['timeLimitMs'] === 'number' ? `, ${(c['timeLimitMs'] as number) / 1000}s per shard` : '';
  const lines = [`fuzz merge: ${String(c['protocol'])}${flaws}, seed ${String(c['seed'])}, ${c.shardsPresent.length} of ${plural(c.shardCount, 'shard')}${requested}`];
  lines.push(
    formatTable({
      header: ['shard', 'runs', 'passed', 'failed', 'inconclusive', 'wall'],
      rows: c.shards.map((s) => [String(s['shard']), String(s['runs']), String(s['passed']), String(s['failed']), String(s['inconclusive']), `${(((s['wallTimeMs'] as number) ?? 0) / 1000).toFixed(1)}s`]),
    }),
  );
  if (c.shardsMissing.length > 0) lines.push(chalk.yellow(`missing: ${plural(c.shardsMissing.length, 'shard')} (${c.shardsMissing.map((i) => `${i}/${c.shardCount}`).join(', ')}): the campaign is incomplete`));
  const distinct = c.failures.length;
  lines.push(
    `total: ${plural(c.runs, 'run')}: ${c.passed} passed, ${c.failed > 0 ? chalk.red(`${c.failed} failed`) : '0 failed'}` +
      `${c.failuresFound > distinct ? ` (${plural(distinct, 'distinct failure')} after de-duplication)` : ''}, ${c.inconclusive} inconclusive${inconclusiveNote(c['inconclusiveChecks'])}`,
  );
  for (const f of c.failures) {
    const failed = Array.isArray(f['failed']) ? (f['failed'] as Array<{ name: string; kind?: string }>).map((x) => (x.kind !== undefined ? `${x.name} [${x.kind}]` : x.name)).join(', ') : '';
    lines.push(`${chalk.red('FAIL')} run ${String(f['index'])} (shard ${f.shard}, seed ${String(f['seed'])}): ${failed || String(f['kind'] ?? 'failure')}`);
    if (f.duplicates.length > 0) lines.push(`  the same scenario again in ${f.duplicates.map((d) => `run ${String(d.index)} (shard ${d.shard})`).join(', ')}`);
    lines.push(`  file: ${displayPath(String(f['file']))}`);
    lines.push(`  replay: ${String(f['replay'])}`);
  }
  if (out !== undefined) lines.push(`wrote ${join(out, CAMPAIGN_FILE)}`);
  return lines.join('\n');
}

/** Adds up per-check counts of inconclusive runs (a summary written before they existed has none). */
function sumCounts(perShard: readonly unknown[]): Record<string, number> {
  const total = new Map<string, number>();
  for (const counts of perShard) {
    if (typeof counts !== 'object' || counts === null) continue;
    for (const [name, n] of Object.entries(counts)) if (typeof n === 'number') total.set(name, (total.get(name) ?? 0) + n);
  }
  return Object.fromEntries([...total].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * ` (durable 90, liveness 3)`: which checks could not decide, in how many runs, most first (a run
 * may count under several); empty when none.
 */
export function inconclusiveNote(counts: unknown): string {
  if (typeof counts !== 'object' || counts === null) return '';
  const list = Object.entries(counts).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0);
  list.sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0));
  return list.length === 0 ? '' : ` (${list.map(([name, n]) => `${name} ${n}`).join(', ')})`;
}
