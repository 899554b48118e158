/**
 * What `dsim check` prints: a readable text summary, or a Jepsen-style result as JSON or EDN.
 *
 * The JSON and EDN result is Knossos's analysis map (`valid?` true, false or unknown; the op
 * that could not be linearized as `op`; the last op of the longest linearizable prefix as
 * `previous-ok`; `cause` when unknown) plus dsim's own fields (verdict, stats, evidence, partial).
 * Ops are written as Jepsen writes them: the completion (`:type :ok`, its `:value`, `:index`,
 * `:time` in nanoseconds), or the invocation for an op that never completed.
 */
import { formatBytes } from '../core/bytes.js';
import { plural } from '../core/plural.js';
import type { Operation } from '../core/history.js';
import { formatUs } from '../core/time.js';
import { describeOperation } from '../checkers/linearizability/index.js';
import type { AnyModel, LinearizabilityResult, PartialEvidence, PartitionEvidence } from '../checkers/linearizability/index.js';
import { EdnKeyword, plainToEdn } from '../history/index.js';

/** How many ops of the longest prefix the text output shows (its tail: where it breaks). */
const PREFIX_TAIL_SHOWN = 8;
/** Ops of a prefix the JSON carries in full; beyond, the tail (a prefix may hold a million ops). */
const PREFIX_JSON_MAX = 1000;

export interface CheckReport {
  readonly file: string;
  readonly model: AnyModel;
  readonly result: LinearizabilityResult;
  readonly elapsedMs: number;
  /** The history had no client ops. */
  readonly empty: boolean;
  readonly html?: string;
}


/** `process 3: cas(1, 4) -> [1 4]  [invoke 12, ok 15] @ 1.2s–1.3s` (times when the history has them). */
function formatOp(model: AnyModel, op: Operation): string {
  const end = op.outcome === 'info' ? `info${op.error === undefined ? '' : ` (${op.error})`}` : `${op.outcome} ${op.completeIndex}`;
  const times = op.invokeTimeUs === undefined ? '' : ` @ ${formatUs(op.invokeTimeUs)}${op.completeTimeUs === undefined ? '' : `–${formatUs(op.completeTimeUs)}`}`;
  return `process ${op.process}: ${describeOperation(op, model)}  [invoke ${op.invokeIndex}, ${end}]${times}`;
}

function formatPrefix(model: AnyModel, prefix: readonly Operation[]): string[] {
  const out: string[] = [];
  if (prefix.length > PREFIX_TAIL_SHOWN) out.push(`    ... ${(prefix.length - PREFIX_TAIL_SHOWN).toLocaleString('en-US')} earlier ops`);
  const shownFrom = Math.max(0, prefix.length - PREFIX_TAIL_SHOWN);
  prefix.slice(shownFrom).forEach((op, k) => out.push(`    ${String(shownFrom + k + 1).padStart(4)}. ${formatOp(model, op)}`));
  return out;
}

/** What the history was split into: "key partition" when per key, so nobody reads network partitions. */
function unitOf(report: CheckReport): string {
  return report.model.keyed === true || report.result.stats.keys !== undefined ? 'key partition' : 'partition';
}

function where(item: { readonly partition: number; readonly key?: string }, partitioned: boolean, unit: string): string {
  if (!partitioned) return '';
  return item.key !== undefined ? ` on key ${JSON.stringify(item.key)} (${unit} ${item.partition})` : ` in ${unit} ${item.partition}`;
}

function formatEvidence(model: AnyModel, evidence: PartitionEvidence, partitioned: boolean, unit: string): string[] {
  const out: string[] = [];
  out.push(`  violation${where(evidence, partitioned, unit)}: the longest linearizable prefix has ${evidence.longestPrefix.length} of ${plural(evidence.operations, 'op')}`);
  out.push(...formatPrefix(model, evidence.longestPrefix));
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

function formatPartial(model: AnyModel, partial: PartialEvidence, partitioned: boolean, unit: string): string[] {
  const out: string[] = [];
  out.push(
    `  how far it got${where(partial, partitioned, unit)}: a linearizable prefix of ${partial.longestPrefix.length} of ${plural(partial.operations, 'op')}` +
      ` (${plural(partial.steps, 'step')}, ${plural(partial.configurations, 'configuration')} remembered)`,
  );
  out.push(...formatPrefix(model, partial.longestPrefix));
  out.push(`  state after the prefix: ${partial.stateAfterPrefix}`);
  if (partial.open.length > 0) {
    out.push('  ops still open there (one of them goes next):');
    for (const op of partial.open.slice(0, 12)) out.push(`    - ${formatOp(model, op)}`);
    if (partial.open.length > 12) out.push(`    ... and ${partial.open.length - 12} more`);
  }
  return out;
}

export function formatCheckText(report: CheckReport): string {
  const { file, model, result, elapsedMs } = report;
  const s = result.stats;
  const verdict = result.kind === 'linearizable' ? 'LINEARIZABLE' : result.kind === 'not-linearizable' ? 'NOT LINEARIZABLE' : 'UNKNOWN';
  const unit = unitOf(report);
  const out: string[] = [];
  out.push(`${file}: ${verdict} (model ${model.name})`);
  out.push(
    `  ops: ${s.operations} (ok ${s.ok}, fail ${s.failed}, info ${s.indeterminate}); searched ${s.searched}` +
      (s.unobservedWrites > 0 ? ` (${plural(s.unobservedWrites, 'info write')} nobody observed left out)` : '') +
      `; ${unit}s: ${s.partitionsChecked} of ${s.partitions} checked; ${s.steps} steps; ${elapsedMs.toFixed(1)} ms`,
  );
  if (s.keys !== undefined) {
    out.push(`  per key: ${plural(s.keys.keys, 'key')}, each judged alone (${s.keys.source === 'independent' ? 'jepsen.independent [k v] values' : ':key'})`);
  }
  if (report.empty) out.push('  the history has no operations');
  const partitioned = s.partitions > 1;
  switch (result.kind) {
    case 'linearizable':
      break;
    case 'unknown':
      out.push(`  inconclusive: ${result.reason}; the search held ${formatBytes(s.peakMemoryBytes)} at most`);
      for (const partial of result.partial) out.push(...formatPartial(model, partial, partitioned, unit));
      break;
    case 'not-linearizable':
      for (const evidence of result.evidence) out.push(...formatEvidence(model, evidence, partitioned, unit));
      if (s.partitionsChecked < s.partitions) {
        out.push(`  (${plural(s.partitions - s.partitionsChecked, `other ${unit}`)} not checked: the verdict was settled)`);
      }
      break;
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// JSON and EDN

/** An op as dsim reports it (JSON field names as before). */
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

/** An op as Jepsen writes it: its completion, or its invocation when it never completed. */
function jepsenOp(op: Operation): Record<string, unknown> {
  const completed = op.completeIndex !== Infinity;
  const time = completed ? op.completeTimeUs : op.invokeTimeUs;
  return {
    process: op.process,
    type: new EdnKeyword(completed ? op.outcome : 'invoke'),
    f: new EdnKeyword(op.f),
    ...(op.key === undefined ? {} : { key: op.key }),
    value: (op.outcome === 'ok' ? op.output : op.input) ?? null,
    index: completed ? op.completeIndex : op.invokeIndex,
    ...(time === undefined ? {} : { time: time * 1000 }),
    ...(op.error === undefined ? {} : { error: new EdnKeyword(op.error) }),
  };
}

function prefixJson(prefix: readonly Operation[]): Record<string, unknown> {
  const shown = prefix.length > PREFIX_JSON_MAX ? prefix.slice(prefix.length - PREFIX_JSON_MAX) : prefix;
  return { longestPrefixLength: prefix.length, longestPrefix: shown.map(opJson) };
}

/** The result as one plain object (EdnKeyword values print as keywords in EDN, strings in JSON). */
export function checkResultObject(report: CheckReport): Record<string, unknown> {
  const { result } = report;
  const base: Record<string, unknown> = {
    'valid?': result.kind === 'linearizable' ? true : result.kind === 'not-linearizable' ? false : new EdnKeyword('unknown'),
    analyzer: new EdnKeyword('dsim'),
    model: report.model.name,
    file: report.file,
    verdict: result.kind,
    stats: result.stats,
    elapsedMs: Math.round(report.elapsedMs * 1000) / 1000,
  };
  if (report.html !== undefined) base.html = report.html;
  switch (result.kind) {
    case 'linearizable':
      return base;
    case 'unknown':
      return {
        ...base,
        cause: result.reason,
        partial: result.partial.map((p) => ({
          partition: p.partition,
          ...(p.key === undefined ? {} : { key: p.key }),
          operations: p.operations,
          reason: p.reason,
          ...prefixJson(p.longestPrefix),
          stateAfterPrefix: p.stateAfterPrefix,
          open: p.open.map(opJson),
          steps: p.steps,
          configurations: p.configurations,
        })),
      };
    case 'not-linearizable': {
      const first = result.evidence[0]!;
      const previous = first.longestPrefix.findLast((op) => op.outcome === 'ok');
      return {
        ...base,
        anomaly: new EdnKeyword('nonlinearizable'),
        op: jepsenOp(first.blockedBy),
        ...(previous === undefined ? {} : { 'previous-ok': jepsenOp(previous) }),
        ...(first.key === undefined ? {} : { key: first.key }),
        evidence: result.evidence.map((e) => ({
          partition: e.partition,
          ...(e.key === undefined ? {} : { key: e.key }),
          operations: e.operations,
          ...prefixJson(e.longestPrefix),
          stateAfterPrefix: e.stateAfterPrefix,
          cannotPlace: e.cannotPlace.map((c) => ({ why: c.why, op: opJson(c.op) })),
          blockedBy: opJson(e.blockedBy),
        })),
      };
    }
  }
}

export function formatCheckJson(report: CheckReport): string {
  return `${JSON.stringify(checkResultObject(report))}\n`;
}

/** camelCase keys become Clojure's kebab-case: `peakMemoryBytes` → `peak-memory-bytes`. */
function kebabKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(kebabKeys);
  if (typeof value !== 'object' || value === null || value instanceof EdnKeyword) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] = kebabKeys(v);
  return out;
}

export function formatCheckEdn(report: CheckReport): string {
  // Ops' own values (a read's result, a cas's pair) are data: only the map keys around them change.
  return `${plainToEdn(kebabKeys(checkResultObject(report)))}\n`;
}
