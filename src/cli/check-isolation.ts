/**
 * `dsim check HISTORY --model list-append|rw-register [--consistency MODEL]`: the isolation
 * checker on a transactional history (Jepsen EDN with `:f :txn` ops, as Elle reads them, or dsim
 * JSON lines). Exit 0 when no anomaly the consistency model forbids shows, 1 when one does, 3 for
 * bad input.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HistoryError, pairOperations } from '../core/history.js';
import { formatUs } from '../core/time.js';
import {
  CONSISTENCY_MODELS,
  TxnInputError,
  checkIsolation,
  forbids,
  isConsistencyModel,
  meaningOf,
  weakestViolatedBy,
  type Anomaly,
  type ConsistencyModel,
  type IsolationResult,
  type TxnModel,
  type TxnRef,
} from '../checkers/isolation/index.js';
import { renderIsolationHtml } from '../report/isolation-html.js';
import { writeFileAtomic } from './atomic.js';
import { EXIT, UsageError } from './errors.js';
import { readHistoryFile } from './history-file.js';
import type { HistoryFormat } from '../history/index.js';

export interface IsolationCheckOptions {
  readonly model: TxnModel;
  readonly consistency?: string;
  readonly json?: boolean;
  readonly html?: string;
  readonly format?: HistoryFormat | 'auto';
}

/** Examples printed per anomaly type (the JSON has every one kept). */
const SHOWN_PER_TYPE = 1;

export async function runIsolationCheck(historyPath: string, options: IsolationCheckOptions, io: { out(s: string): void }): Promise<number> {
  const consistency = options.consistency ?? 'strict-serializable';
  if (!isConsistencyModel(consistency)) {
    throw new UsageError(`unknown consistency model ${JSON.stringify(consistency)} (known: ${CONSISTENCY_MODELS.join(', ')})`, undefined, '--consistency');
  }
  const file = await readHistoryFile(historyPath, options.format);
  const started = performance.now();
  let result: IsolationResult;
  try {
    result = checkIsolation(pairOperations(file.events, { allowInvokeAfterInfo: true }), { model: options.model, consistency });
  } catch (error) {
    if (error instanceof HistoryError) {
      throw new UsageError(error.message.replace(/^event \d+: /, ''), historyPath, file.lineOfEvent(error.eventIndex) ?? `event ${error.eventIndex}`);
    }
    if (error instanceof TxnInputError) throw new UsageError(error.message, historyPath, file.lineOfEvent(error.eventIndex) ?? `event ${error.eventIndex}`);
    throw error;
  }
  const elapsedMs = performance.now() - started;
  if (options.html !== undefined) {
    writeFileAtomic(options.html, renderIsolationHtml({ title: `${path.basename(historyPath)} — ${options.model}`, result }));
  }
  if (options.json === true) io.out(`${JSON.stringify({ file: historyPath, ...result, elapsedMs: Math.round(elapsedMs * 1000) / 1000, ...(options.html !== undefined ? { html: options.html } : {}) })}\n`);
  else {
    io.out(formatIsolationText(historyPath, result, elapsedMs));
    if (options.html !== undefined) io.out(`report: ${options.html}\n`);
  }
  return result.valid ? EXIT.ok : EXIT.violated;
}

const n = (x: number): string => x.toLocaleString('en-US');

export function formatIsolationText(file: string, result: IsolationResult, elapsedMs: number): string {
  const s = result.stats;
  const out: string[] = [];
  const verdict = result.valid ? `VALID under ${result.consistency}` : `NOT ${result.consistency.toUpperCase()}`;
  out.push(`${file}: ${verdict} (model ${result.model})`);
  const edges = Object.entries(s.edges)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${n(count)}`)
    .join(', ');
  out.push(
    `  txns: ${n(s.txns)} (ok ${n(s.ok)}, fail ${n(s.fail)}, info ${n(s.info)})${s.skippedOps > 0 ? `, ${n(s.skippedOps)} non-txn ops skipped` : ''}; ` +
      `edges: ${edges || 'none'}; ${s.cyclicComponents} cyclic component${s.cyclicComponents === 1 ? '' : 's'}${s.cyclicComponents > 0 ? ` (largest ${s.largestComponent})` : ''}; ${elapsedMs.toFixed(1)} ms`,
  );
  if (s.skippedEdges > 0) out.push(`  ${n(s.skippedEdges)} rw dependencies from reads of the initial state not added (too many for one key): cycles through them go unseen`);
  if (result.anomalyTypes.length === 0) {
    out.push('  no anomalies');
    return `${out.join('\n')}\n`;
  }
  out.push(`  anomalies: ${result.anomalyTypes.map((t) => `${t} ${n(result.counts[t] ?? 0)}`).join(', ')}`);
  out.push(`  weakest model violated: ${result.weakestViolated}${result.valid ? ` (weaker than ${result.consistency}: these anomalies are allowed)` : ''}`);
  for (const type of result.anomalyTypes) {
    const examples = result.anomalies.filter((a) => a.type === type);
    const allowed = !forbids(result.consistency, type);
    out.push('');
    out.push(`  ${type}${allowed ? ` (allowed by ${result.consistency})` : ''}: ${meaningOf(type)}; violates ${weakestViolatedBy(type)} and stronger`);
    for (const [i, a] of examples.slice(0, SHOWN_PER_TYPE).entries()) out.push(...formatAnomaly(a, i + 1));
    const more = (result.counts[type] ?? 0) - Math.min(SHOWN_PER_TYPE, examples.length);
    if (more > 0) out.push(`    ... ${n(more)} more`);
  }
  return `${out.join('\n')}\n`;
}

function formatAnomaly(a: Anomaly, ordinal: number): string[] {
  const out: string[] = [];
  out.push(`    #${ordinal}${a.kind === 'data' ? `: ${a.explanation}` : `: ${a.txns.map((t) => t.name).join(' → ')} → ${a.txns[0]!.name}`}`);
  for (const t of dedupe(a.txns)) out.push(`      ${formatTxn(t)}`);
  if (a.kind === 'cycle') for (const step of a.steps) out.push(`      - ${step.explanation}`);
  return out;
}

function dedupe(txns: readonly TxnRef[]): TxnRef[] {
  const seen = new Set<string>();
  return txns.filter((t) => !seen.has(t.name) && seen.add(t.name));
}

/** `T3 = process 2, ok: [r x [1 2]] [append y 5]  [invoke 10, ok 15] @ 1.2s–1.3s` */
export function formatTxn(t: TxnRef): string {
  const end = t.completeIndex === null ? t.outcome : `${t.outcome} ${t.completeIndex}`;
  const times = t.invokeTimeUs === undefined ? '' : ` @ ${formatUs(t.invokeTimeUs)}${t.completeTimeUs === undefined ? '' : `–${formatUs(t.completeTimeUs)}`}`;
  return `${t.name} = process ${t.process}: ${t.value}  [invoke ${t.invokeIndex}, ${end}]${times}`;
}

export function isTxnModel(name: string): name is TxnModel {
  return name === 'list-append' || name === 'rw-register';
}

export type { ConsistencyModel };
