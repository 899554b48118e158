/**
 * Benchmark of the linearizability checker over the conformance set (test/fixtures/conformance, or
 * $DSIM_CONFORMANCE_DIR), against Porcupine's reference times from its README.
 *
 *   npx tsx bench/linearizability.ts            # full run: warm-up, best of 5 per history
 *   npx tsx bench/linearizability.ts --json     # the report as JSON
 *   BENCH_REPEAT=2 npx tsx bench/linearizability.ts
 *
 * Times exclude parsing (the text is parsed once, up front) and include pairing and the search.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseHistory } from '../src/history/index.js';
import { checkLinearizability, getModel } from '../src/checkers/linearizability/index.js';
import type { HistoryEvent } from '../src/core/history.js';

/** Porcupine (Go) on a 2-core machine, from the conformance README, in ms. */
export const PORCUPINE_MS = {
  etcdTotal: 613,
  etcdMedian: 0.12,
  etcd002: 269,
  etcd007: 159,
  etcd057: 70,
  kvC10Ok: 0.53,
  kvC50Ok: 135,
  kvC50Bad: 26,
} as const;

export interface BenchCase {
  readonly file: string;
  readonly model: string;
  readonly expected: boolean | undefined;
  readonly verdict: string;
  readonly correct: boolean;
  readonly events: number;
  /** Best of the repetitions, ms. */
  readonly bestMs: number;
  readonly steps: number;
  readonly cacheEntries: number;
}

export interface BenchReport {
  readonly conformanceDir: string;
  readonly repetitions: number;
  readonly cases: readonly BenchCase[];
  readonly correct: number;
  readonly total: number;
  readonly etcd: { readonly count: number; readonly totalMs: number; readonly medianMs: number; readonly slowest: readonly { file: string; ms: number }[] };
  /** Over every history of the set. */
  readonly overall: { readonly totalMs: number; readonly medianMs: number; readonly slowest: readonly { file: string; ms: number }[] };
  readonly kv: Readonly<Record<string, number>>;
  /** ours / Porcupine's (below 1 = faster than Porcupine). */
  readonly ratios: Readonly<Record<string, number>>;
}

interface ExpectedCase {
  readonly file: string;
  readonly model: string;
  readonly linearizable?: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..');

export function conformanceDir(): string {
  return process.env.DSIM_CONFORMANCE_DIR ?? path.join(repoRoot, 'test', 'fixtures', 'conformance');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function checkOnce(events: readonly HistoryEvent[], modelName: string): { verdict: string; ms: number; steps: number; cacheEntries: number } {
  const model = getModel(modelName);
  if (model === undefined) throw new Error(`unknown model ${modelName}`);
  const start = performance.now();
  const result = checkLinearizability(events, model);
  const ms = performance.now() - start;
  return { verdict: result.kind, ms, steps: result.stats.steps, cacheEntries: result.stats.cacheEntries };
}

export async function benchLinearizability(options: { repetitions?: number; log?: (line: string) => void } = {}): Promise<BenchReport> {
  const dir = conformanceDir();
  const porcupineDir = path.join(dir, 'porcupine');
  const expected = (JSON.parse(readFileSync(path.join(porcupineDir, 'expected.json'), 'utf8')) as { cases: ExpectedCase[] }).cases;
  const repetitions = options.repetitions ?? 5;
  const log = options.log ?? (() => {});

  const loaded = expected.map((c) => ({ ...c, events: parseHistory(readFileSync(path.join(porcupineDir, c.file), 'utf8')).events }));
  // Warm-up: one pass over everything so the JIT has seen the hot loop before timing.
  for (const c of loaded) checkOnce(c.events, c.model);

  const cases: BenchCase[] = [];
  for (const c of loaded) {
    let best = Infinity;
    let last = checkOnce(c.events, c.model);
    best = Math.min(best, last.ms);
    for (let r = 1; r < repetitions; r++) {
      last = checkOnce(c.events, c.model);
      best = Math.min(best, last.ms);
    }
    const want = c.linearizable === undefined ? undefined : c.linearizable ? 'linearizable' : 'not-linearizable';
    cases.push({
      file: c.file,
      model: c.model,
      expected: c.linearizable,
      verdict: last.verdict,
      correct: want === undefined || want === last.verdict,
      events: c.events.length,
      bestMs: best,
      steps: last.steps,
      cacheEntries: last.cacheEntries,
    });
    log(`${c.file.padEnd(22)} ${last.verdict.padEnd(17)} ${best.toFixed(3).padStart(10)} ms  steps ${last.steps}`);
  }

  const etcd = cases.filter((c) => c.file.startsWith('etcd/'));
  const etcdTotal = etcd.reduce((sum, c) => sum + c.bestMs, 0);
  const etcdMedian = median(etcd.map((c) => c.bestMs));
  const slowest = [...etcd].sort((a, b) => b.bestMs - a.bestMs).slice(0, 5).map((c) => ({ file: c.file, ms: c.bestMs }));
  const kv: Record<string, number> = {};
  for (const c of cases) if (c.file.startsWith('kv/')) kv[path.basename(c.file, '.txt')] = c.bestMs;
  const ms = (file: string): number => cases.find((c) => c.file === file)?.bestMs ?? NaN;
  const ratios = {
    etcdTotal: etcdTotal / PORCUPINE_MS.etcdTotal,
    etcdMedian: etcdMedian / PORCUPINE_MS.etcdMedian,
    etcd002: ms('etcd/etcd_002.edn') / PORCUPINE_MS.etcd002,
    etcd007: ms('etcd/etcd_007.edn') / PORCUPINE_MS.etcd007,
    etcd057: ms('etcd/etcd_057.edn') / PORCUPINE_MS.etcd057,
    kvC10Ok: (kv['c10-ok'] ?? NaN) / PORCUPINE_MS.kvC10Ok,
    kvC50Ok: (kv['c50-ok'] ?? NaN) / PORCUPINE_MS.kvC50Ok,
    kvC50Bad: (kv['c50-bad'] ?? NaN) / PORCUPINE_MS.kvC50Bad,
  };
  return {
    conformanceDir: dir,
    repetitions,
    cases,
    correct: cases.filter((c) => c.correct).length,
    total: cases.length,
    etcd: { count: etcd.length, totalMs: etcdTotal, medianMs: etcdMedian, slowest },
    overall: {
      totalMs: cases.reduce((sum, c) => sum + c.bestMs, 0),
      medianMs: median(cases.map((c) => c.bestMs)),
      slowest: [...cases].sort((a, b) => b.bestMs - a.bestMs).slice(0, 5).map((c) => ({ file: c.file, ms: c.bestMs })),
    },
    kv,
    ratios,
  };
}

export function formatReport(report: BenchReport): string {
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(3));
  const line = (name: string, oursMs: number, refMs: number): string =>
    `  ${name.padEnd(16)} ${f(oursMs).padStart(9)} ms   Porcupine ${f(refMs).padStart(7)} ms   ratio ${(oursMs / refMs).toFixed(2)}${oursMs <= refMs ? '  (goal met)' : ''}`;
  const wrong = report.cases.filter((c) => !c.correct);
  return [
    `conformance: ${report.correct}/${report.total} verdicts right${wrong.length > 0 ? ` — WRONG: ${wrong.map((c) => c.file).join(', ')}` : ''}`,
    `times: best of ${report.repetitions}, after a warm-up pass; parsing excluded`,
    line(`etcd total (${report.etcd.count})`, report.etcd.totalMs, PORCUPINE_MS.etcdTotal),
    line('etcd median', report.etcd.medianMs, PORCUPINE_MS.etcdMedian),
    `  slowest etcd: ${report.etcd.slowest.map((s) => `${path.basename(s.file, '.edn')} ${f(s.ms)} ms`).join(', ')}`,
    line('etcd_002', report.ratios.etcd002! * PORCUPINE_MS.etcd002, PORCUPINE_MS.etcd002),
    line('etcd_007', report.ratios.etcd007! * PORCUPINE_MS.etcd007, PORCUPINE_MS.etcd007),
    line('etcd_057', report.ratios.etcd057! * PORCUPINE_MS.etcd057, PORCUPINE_MS.etcd057),
    line('kv c10-ok', report.kv['c10-ok'] ?? NaN, PORCUPINE_MS.kvC10Ok),
    line('kv c50-ok', report.kv['c50-ok'] ?? NaN, PORCUPINE_MS.kvC50Ok),
    line('kv c50-bad', report.kv['c50-bad'] ?? NaN, PORCUPINE_MS.kvC50Bad),
    `all ${report.total}: total ${f(report.overall.totalMs)} ms, median ${f(report.overall.medianMs)} ms; slowest: ${report.overall.slowest
      .map((s) => `${s.file} ${f(s.ms)} ms`)
      .join(', ')}`,
  ].join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const json = process.argv.includes('--json');
  const verbose = process.argv.includes('--verbose');
  const repetitions = process.env.BENCH_REPEAT === undefined ? undefined : Number(process.env.BENCH_REPEAT);
  const report = await benchLinearizability({ repetitions, log: verbose ? (l) => process.stderr.write(`${l}\n`) : undefined });
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
  process.exitCode = report.correct === report.total ? 0 : 1;
}
