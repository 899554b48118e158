/**
 * The linearizability checker against Porcupine, measured side by side in one run:
 * - every conformance history (test/fixtures/conformance, or $DSIM_CONFORMANCE_DIR): CPU time per
 *   check, best of several batches after a warm-up (parsing excluded, pairing included), for
 *   dsim in this process and for Porcupine in its driver (bench/porcupine.ts);
 * - scale: generated kv histories (bench/generate-history.mjs) of 1,000,000 ops over 1,000 keys
 *   and 100,000 ops on one key with 8 clients, each checked once in a fresh process (CPU time and
 *   peak resident memory), Porcupine under a time and memory cap.
 *
 *   npx tsx bench/linearizability.ts              # the table
 *   npx tsx bench/linearizability.ts --json FILE  # and the report as JSON, to compare two commits
 *   npx tsx bench/linearizability.ts --quick      # fewer batches, no scale runs
 *
 * CPU time, not wall time: the machines running this are shared. No GC is forced between runs.
 * Without Go or a Porcupine checkout (see bench/porcupine.ts) Porcupine's side is skipped, and
 * the report says so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHistory } from '../src/history/index.js';
import { checkLinearizability, getModel } from '../src/checkers/linearizability/index.js';
import type { HistoryEvent } from '../src/core/history.js';
import { etcdCase, kvCase, porcupineDriver, runPorcupine, runPorcupineBounded } from './porcupine.js';
import type { BoundedPorcupineResult, PorcupineCase } from './porcupine.js';
import { generateKvHistory } from './generate-history.mjs';
import { conformanceDir } from './conformance-data.js';

export { conformanceDir, conformanceMissing } from './conformance-data.js';

export interface ConformanceCase {
  readonly file: string;
  readonly model: string;
  readonly expected: boolean | undefined;
  readonly verdict: string;
  readonly correct: boolean;
  readonly events: number;
  /** CPU ms per check, best batch. */
  readonly dsimMs: number;
  readonly porcupineMs?: number;
  readonly porcupineVerdict?: boolean;
  readonly steps: number;
}

export interface ScaleCase {
  readonly name: string;
  readonly spec: { readonly ops: number; readonly keys: number; readonly clientsPerKey: number };
  readonly goal: string;
  readonly dsim: { readonly verdict: string; readonly cpuMs: number; readonly maxRssMb: number; readonly peakCheckerMb: number; readonly steps: number };
  readonly porcupine?: { readonly verdict?: boolean; readonly cpuMs?: number; readonly maxRssMb?: number; readonly stopped?: string };
}

export interface LinearizabilityReport {
  readonly conformanceDir: string;
  readonly batches: number;
  readonly minBatchMs: number;
  readonly porcupine: string;
  readonly cases: readonly ConformanceCase[];
  readonly correct: number;
  readonly total: number;
  /** Histories where dsim's CPU time is above Porcupine's. */
  readonly slowerThanPorcupine: readonly string[];
  readonly totals: { readonly dsimMs: number; readonly porcupineMs?: number };
  readonly scale: readonly ScaleCase[];
}

interface ExpectedCase {
  readonly file: string;
  readonly model: string;
  readonly linearizable?: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU ms per call of `run`: best of `batches` batches, each at least `minBatchMs` of CPU. */
function timeCpu(run: () => void, batches: number, minBatchMs: number): number {
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const start = cpuMs();
    let n = 0;
    do {
      run();
      n++;
    } while (cpuMs() - start < minBatchMs);
    best = Math.min(best, (cpuMs() - start) / n);
  }
  return best;
}

const SCALE: readonly Omit<ScaleCase, 'dsim' | 'porcupine'>[] = [
  { name: '1,000,000 ops over 1,000 keys', spec: { ops: 1_000_000, keys: 1000, clientsPerKey: 2 }, goal: 'under 10 s' },
  { name: '100,000 ops on one key, 8 clients', spec: { ops: 100_000, keys: 1, clientsPerKey: 8 }, goal: 'under 5 s and 1 GB' },
];

/** Porcupine's caps on the scale runs: this machine is shared. */
const PORCUPINE_SCALE_LIMITS = { timeoutMs: 120_000, maxRssMb: 4096 };

function runScaleChild(spec: ScaleCase['spec']): ScaleCase['dsim'] {
  const child = path.join(here, 'linearizability-child.mjs');
  const out = execFileSync(process.execPath, [child, JSON.stringify(spec)], { encoding: 'utf8', maxBuffer: 1024 * 1024 });
  return JSON.parse(out.trim()) as ScaleCase['dsim'];
}

export async function benchLinearizability(
  options: { batches?: number; minBatchMs?: number; scale?: boolean; log?: (line: string) => void } = {},
): Promise<LinearizabilityReport> {
  const dir = conformanceDir();
  const porcupineDir = path.join(dir, 'porcupine');
  const expected = (JSON.parse(readFileSync(path.join(porcupineDir, 'expected.json'), 'utf8')) as { cases: ExpectedCase[] }).cases;
  const batches = options.batches ?? 5;
  const minBatchMs = options.minBatchMs ?? 20;
  const log = options.log ?? (() => {});

  const loaded = expected.map((c) => ({ ...c, events: parseHistory(readFileSync(path.join(porcupineDir, c.file), 'utf8')).events as HistoryEvent[] }));
  const check = (c: (typeof loaded)[number]) => checkLinearizability(c.events, getModel(c.model)!);
  // Warm-up: one pass over everything so the JIT has seen the hot loop before timing.
  for (const c of loaded) check(c);

  // Two rounds over every case, keeping each case's best: the first case of a round otherwise
  // pays for collecting what came before it.
  const bestMs = loaded.map(() => Infinity);
  for (let round = 0; round < 2; round++) {
    loaded.forEach((c, i) => (bestMs[i] = Math.min(bestMs[i]!, timeCpu(() => check(c), batches, minBatchMs))));
  }
  const cases: ConformanceCase[] = [];
  for (const [i, c] of loaded.entries()) {
    const result = check(c);
    const dsimMs = bestMs[i]!;
    const want = c.linearizable === undefined ? undefined : c.linearizable ? 'linearizable' : 'not-linearizable';
    cases.push({
      file: c.file,
      model: c.model,
      expected: c.linearizable,
      verdict: result.kind,
      correct: want === undefined || want === result.kind,
      events: c.events.length,
      dsimMs,
      steps: result.stats.steps,
    });
    log(`${c.file.padEnd(22)} ${result.kind.padEnd(17)} dsim ${dsimMs.toFixed(3).padStart(9)} ms`);
  }

  // Porcupine after dsim: building its input makes garbage that would be collected during
  // dsim's timed runs.
  const driver = porcupineDriver();
  const porcupine = new Map<string, { cpuMs: number; linearizable: boolean }>();
  if (driver.available) {
    const cases: PorcupineCase[] = loaded.map((c) => (c.model === 'kv' ? kvCase(c.file, c.events) : etcdCase(c.file, c.events)));
    for (const r of runPorcupine(driver.binary, cases, { batches, minBatchMs })) porcupine.set(r.name, { cpuMs: r.cpuMs, linearizable: r.linearizable });
  }

  const timedCases = cases.map((c) => {
    const p = porcupine.get(c.file);
    return p === undefined ? c : { ...c, porcupineMs: p.cpuMs, porcupineVerdict: p.linearizable };
  });

  const scale: ScaleCase[] = [];
  if (options.scale !== false) {
    for (const s of SCALE) {
      log(`scale: ${s.name}...`);
      const dsim = runScaleChild(s.spec);
      let porcupineScale: ScaleCase['porcupine'];
      if (driver.available) {
        const events = generateKvHistory(s.spec) as HistoryEvent[];
        const r: BoundedPorcupineResult = await runPorcupineBounded(driver.binary, kvCase(s.name, events, 1), PORCUPINE_SCALE_LIMITS);
        porcupineScale = r.kind === 'done' ? { verdict: r.result.linearizable, cpuMs: r.result.cpuMs, maxRssMb: r.maxRssMb } : { stopped: r.why };
      }
      scale.push({ ...s, dsim, ...(porcupineScale === undefined ? {} : { porcupine: porcupineScale }) });
    }
  }

  const withPorcupine = timedCases.filter((c) => c.porcupineMs !== undefined);
  return {
    conformanceDir: dir,
    batches,
    minBatchMs,
    porcupine: driver.available ? `measured (${driver.source})` : `skipped: ${driver.why}`,
    cases: timedCases,
    correct: timedCases.filter((c) => c.correct).length,
    total: timedCases.length,
    slowerThanPorcupine: withPorcupine.filter((c) => c.dsimMs > c.porcupineMs!).map((c) => c.file),
    totals: {
      dsimMs: timedCases.reduce((sum, c) => sum + c.dsimMs, 0),
      ...(withPorcupine.length === 0 ? {} : { porcupineMs: withPorcupine.reduce((sum, c) => sum + c.porcupineMs!, 0) }),
    },
    scale,
  };
}

function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(3);
}

export function formatReport(report: LinearizabilityReport): string {
  const wrong = report.cases.filter((c) => !c.correct);
  const lines = [
    `conformance: ${report.correct}/${report.total} verdicts right${wrong.length > 0 ? ` — WRONG: ${wrong.map((c) => c.file).join(', ')}` : ''}`,
    `CPU time per check, best of ${report.batches} batches of >= ${report.minBatchMs} ms after a warm-up; parsing excluded. Porcupine: ${report.porcupine}`,
  ];
  const shown = [...report.cases].sort((a, b) => Math.max(b.dsimMs, b.porcupineMs ?? 0) - Math.max(a.dsimMs, a.porcupineMs ?? 0)).slice(0, 10);
  lines.push(`  ${'history'.padEnd(20)} ${'dsim'.padStart(10)} ${'Porcupine'.padStart(10)}   ratio`);
  for (const c of shown) {
    const p = c.porcupineMs === undefined ? '' : `${ms(c.porcupineMs).padStart(7)} ms   ${(c.dsimMs / c.porcupineMs).toFixed(2)}`;
    lines.push(`  ${c.file.padEnd(20)} ${ms(c.dsimMs).padStart(7)} ms ${p}`);
  }
  const t = report.totals;
  lines.push(
    `  all ${report.total}: dsim ${ms(t.dsimMs)} ms${t.porcupineMs === undefined ? '' : `, Porcupine ${ms(t.porcupineMs)} ms (ratio ${(t.dsimMs / t.porcupineMs).toFixed(2)})`}`,
  );
  if (t.porcupineMs !== undefined) {
    lines.push(
      report.slowerThanPorcupine.length === 0
        ? `  at or below Porcupine's time on every history (goal met)`
        : `  slower than Porcupine on ${report.slowerThanPorcupine.length}: ${report.slowerThanPorcupine.slice(0, 8).join(', ')}`,
    );
  }
  for (const s of report.scale) {
    const d = s.dsim;
    lines.push(`scale: ${s.name} (goal ${s.goal})`);
    lines.push(`  dsim       ${d.verdict}, ${ms(d.cpuMs)} ms CPU, peak RSS ${d.maxRssMb.toFixed(0)} MB (checker ${d.peakCheckerMb.toFixed(0)} MB), ${d.steps.toLocaleString('en-US')} steps`);
    const p = s.porcupine;
    if (p === undefined) lines.push('  Porcupine  skipped (no driver)');
    else if (p.stopped !== undefined) lines.push(`  Porcupine  ${p.stopped}`);
    else lines.push(`  Porcupine  ${p.verdict === true ? 'linearizable' : 'not-linearizable'}, ${ms(p.cpuMs!)} ms CPU, peak RSS ${p.maxRssMb!.toFixed(0)} MB`);
  }
  return lines.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const jsonAt = args.indexOf('--json');
  const report = await benchLinearizability({
    batches: quick ? 2 : 5,
    minBatchMs: quick ? 5 : 20,
    scale: !quick && !args.includes('--no-scale'),
    log: args.includes('--verbose') ? (l) => process.stderr.write(`${l}\n`) : undefined,
  });
  process.stdout.write(`${formatReport(report)}\n`);
  if (jsonAt >= 0 && args[jsonAt + 1] !== undefined) writeFileSync(args[jsonAt + 1]!, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.correct === report.total ? 0 : 1;
}
