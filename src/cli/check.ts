/**
 * `dsim check HISTORY --model NAME [--json] [--timeout 10s] [--html out.html] [--format edn|jsonl]`
 *
 * Checks a recorded history (Jepsen EDN or dsim JSON lines) for linearizability against a model.
 * Exit codes: 0 linearizable, 1 not, 2 unknown (budget or timeout), 3 bad input.
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { HistoryError, pairOperations } from '../core/history.js';
import type { Operation } from '../core/history.js';
import { formatUs, parseDurationUs } from '../core/time.js';
import { checkLinearizability, describeOperation, getModel, modelNames, partitionByKey } from '../checkers/linearizability/index.js';
import type { AnyModel, LinearizabilityResult, PartitionEvidence } from '../checkers/linearizability/index.js';
import { renderLinearizabilityHtml } from '../report/linearizability-html.js';
import { EXIT, UsageError } from './errors.js';
import { readHistoryFile } from './history-file.js';
import { isTxnModel, runIsolationCheck } from './check-isolation.js';
import { TXN_MODELS } from '../checkers/isolation/index.js';
import { plural } from '../core/plural.js';
import { didYouMean } from '../core/suggest.js';

export interface CheckCommandOptions {
  readonly model: string;
  readonly json?: boolean;
  /** Wall-clock limit, e.g. `10s`, `500ms`. */
  readonly timeout?: string;
  /** Write a self-contained HTML report here. */
  readonly html?: string;
  readonly format?: 'edn' | 'jsonl' | 'auto';
  /** Transactional models: the consistency model the history is judged against. */
  readonly consistency?: string;
}

export interface CheckCommandIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

/** How many ops of the longest prefix the text output shows (its tail: where it breaks). */
const PREFIX_TAIL_SHOWN = 8;

export async function runCheckCommand(historyPath: string, options: CheckCommandOptions, io: CheckCommandIo): Promise<number> {
  if (isTxnModel(options.model)) {
    const { timeout: _timeout, ...rest } = options;
    return runIsolationCheck(historyPath, { ...rest, model: options.model }, io);
  }
  if (options.consistency !== undefined) throw new UsageError('--consistency applies to the transactional models list-append and rw-register', undefined, '--consistency');
  const model = getModel(options.model);
  if (model === undefined) {
    throw new UsageError(`unknown model ${JSON.stringify(options.model)}${didYouMean(options.model, [...modelNames(), ...TXN_MODELS])} (known: ${[...modelNames(), ...TXN_MODELS].join(', ')})`, undefined, '--model');
  }
  let timeoutUs: number | undefined;
  if (options.timeout !== undefined) {
    timeoutUs = parseDurationUs(options.timeout);
    if (timeoutUs === undefined || timeoutUs <= 0) {
      throw new UsageError(`invalid duration ${JSON.stringify(options.timeout)} (e.g. 10s, 500ms, 2m)`, undefined, '--timeout');
    }
  }

  const { events, lineOfEvent } = await readHistoryFile(historyPath, options.format);

  const started = performance.now();
  const deadlineMs = timeoutUs === undefined ? undefined : started + timeoutUs / 1000;
  let operations: Operation[];
  let result: LinearizabilityResult;
  try {
    operations = pairOperations(events, { allowInvokeAfterInfo: true });
    result = checkLinearizability(operations, model, {
      shouldStop: deadlineMs === undefined ? undefined : () => performance.now() >= deadlineMs,
    });
  } catch (error) {
    if (error instanceof HistoryError) {
      // HistoryError's message leads with "event N:"; the line number says it better.
      const detail = error.message.replace(/^event \d+: /, '');
      throw new UsageError(detail, historyPath, lineOfEvent(error.eventIndex) ?? `event ${error.eventIndex}`);
    }
    throw error;
  }
  const elapsedMs = performance.now() - started;

  if (options.html !== undefined) {
    const html = renderLinearizabilityHtml({
      title: `${path.basename(historyPath)} — ${model.name}`,
      modelName: model.name,
      operations,
      result,
      describeOp: (op) => describeOp(model, op),
    });
    await writeFileAtomic(options.html, html);
  }

  if (options.json === true) {
    io.out(`${JSON.stringify(toJson(historyPath, model.name, result, elapsedMs, options.html))}\n`);
  } else {
    io.out(formatText(historyPath, model, result, elapsedMs, operations.length === 0));
    if (options.html !== undefined) io.out(`report: ${options.html}\n`);
  }
  switch (result.kind) {
    case 'linearizable':
      return EXIT.ok;
    case 'not-linearizable':
      return EXIT.violated;
    case 'unknown':
      return EXIT.unknown;
  }
}

/** Writes through a temp file in the same directory, then renames: never a half-written report. */
async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await writeFile(temp, content, 'utf8');
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write the report (${code ?? (error as Error).message})`, file);
  }
}

function describeOp(model: AnyModel, op: Operation): string {
  return describeOperation(op, model);
}

/** `process 3: cas(1, 4) -> [1 4]  [invoke 12, ok 15] @ 1.2s–1.3s` (times when the history has them). */
function formatOp(model: AnyModel, op: Operation): string {
  const end =
    op.outcome === 'info'
      ? `info${op.error === undefined ? '' : ` (${op.error})`}`
      : `${op.outcome} ${op.completeIndex}`;
  const times =
    op.invokeTimeUs === undefined ? '' : ` @ ${formatUs(op.invokeTimeUs)}${op.completeTimeUs === undefined ? '' : `–${formatUs(op.completeTimeUs)}`}`;
  return `process ${op.process}: ${describeOp(model, op)}  [invoke ${op.invokeIndex}, ${end}]${times}`;
}


function formatText(file: string, model: AnyModel, result: LinearizabilityResult, elapsedMs: number, empty: boolean): string {
  const s = result.stats;
  // A kv model splits the history per key: say "key partition", so nobody reads network partitions.
  const unit = model.partition === partitionByKey ? 'key partition' : 'partition';
  const verdict =
    result.kind === 'linearizable' ? 'LINEARIZABLE' : result.kind === 'not-linearizable' ? 'NOT LINEARIZABLE' : 'UNKNOWN';
  const out: string[] = [];
  out.push(`${file}: ${verdict} (model ${model.name})`);
  out.push(
    `  ops: ${s.operations} (ok ${s.ok}, fail ${s.failed}, info ${s.indeterminate}); searched ${s.searched}` +
      `; ${unit}s: ${s.partitionsChecked} of ${s.partitions} checked; ${s.steps} steps; ${elapsedMs.toFixed(1)} ms`,
  );
  if (empty) out.push('  the history has no operations');
  if (result.kind === 'unknown') out.push(`  inconclusive: ${result.reason}`);
  if (result.kind === 'not-linearizable') {
    for (const evidence of result.evidence) out.push(...formatEvidence(model, evidence, result.stats.partitions > 1, unit));
    if (s.partitionsChecked < s.partitions) {
      out.push(`  (${plural(s.partitions - s.partitionsChecked, `other ${unit}`)} not checked: the verdict was settled)`);
    }
  }
  return `${out.join('\n')}\n`;
}

function formatEvidence(model: AnyModel, evidence: PartitionEvidence, partitioned: boolean, unit: string): string[] {
  const out: string[] = [];
  const where = !partitioned ? '' : evidence.key !== undefined ? ` on key ${JSON.stringify(evidence.key)} (${unit} ${evidence.partition})` : ` in ${unit} ${evidence.partition}`;
  const prefix = evidence.longestPrefix;
  out.push(`  violation${where}: the longest linearizable prefix has ${prefix.length} of ${plural(evidence.operations, 'op')}`);
  if (prefix.length > PREFIX_TAIL_SHOWN) out.push(`    ... ${prefix.length - PREFIX_TAIL_SHOWN} earlier ops`);
  const shownFrom = Math.max(0, prefix.length - PREFIX_TAIL_SHOWN);
  prefix.slice(shownFrom).forEach((op, k) => out.push(`    ${String(shownFrom + k + 1).padStart(4)}. ${formatOp(model, op)}`));
  out.push(`  state after the prefix: ${evidence.stateAfterPrefix}`);
  if (evidence.cannotPlace.length > 0) {
    out.push('  none of these can go next:');
    for (const stuck of evidence.cannotPlace) {
      const why = stuck.why === 'rejected' ? 'the model rejects it in that state' : 'fits, but leads only to dead ends';
      out.push(`    - ${formatOp(model, stuck.op)}  — ${why}`);
    }
  }
  if (!evidence.cannotPlace.some((s) => s.op === evidence.blockedBy)) {
    out.push(`  and this op completed before later ones were invoked, so it had to be placed by then:`);
    out.push(`    - ${formatOp(model, evidence.blockedBy)}`);
  }
  return out;
}

function opJson(op: Operation): Record<string, unknown> {
  return {
    id: op.id,
    process: op.process,
    f: op.f,
    ...(op.key === undefined ? {} : { key: op.key }),
    input: op.input ?? null,
    output: op.outcome === 'ok' ? (op.output ?? null) : null,
    outcome: op.outcome,
    invokeIndex: op.invokeIndex,
    completeIndex: op.completeIndex === Infinity ? null : op.completeIndex,
    ...(op.invokeTimeUs === undefined ? {} : { invokeTimeUs: op.invokeTimeUs }),
    ...(op.completeTimeUs === undefined ? {} : { completeTimeUs: op.completeTimeUs }),
    ...(op.error === undefined ? {} : { error: op.error }),
  };
}

function toJson(file: string, modelName: string, result: LinearizabilityResult, elapsedMs: number, html: string | undefined): Record<string, unknown> {
  const base: Record<string, unknown> = {
    file,
    model: modelName,
    verdict: result.kind,
    stats: result.stats,
    elapsedMs: Math.round(elapsedMs * 1000) / 1000,
  };
  if (html !== undefined) base.html = html;
  switch (result.kind) {
    case 'linearizable':
      return base;
    case 'unknown':
      return { ...base, reason: result.reason };
    case 'not-linearizable':
      return {
        ...base,
        evidence: result.evidence.map((e) => ({
          partition: e.partition,
          ...(e.key === undefined ? {} : { key: e.key }),
          operations: e.operations,
          longestPrefix: e.longestPrefix.map(opJson),
          stateAfterPrefix: e.stateAfterPrefix,
          cannotPlace: e.cannotPlace.map((c) => ({ why: c.why, op: opJson(c.op) })),
          blockedBy: opJson(e.blockedBy),
        })),
      };
  }
}
