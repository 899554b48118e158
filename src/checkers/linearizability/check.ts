/**
 * checkLinearizability: is there a total order of the history's ops, consistent with real time
 * (an op that completed before another was invoked comes first), that the model accepts?
 *
 * Preparation, then one exact search per partition (see search.ts):
 * - `fail` ops never took effect: dropped.
 * - `info` ops (and ops never completed) may take effect at any point after their invocation, or
 *   never; indeterminate reads (the model's `readOnly`) constrain nothing and are dropped.
 * - The model's `partition` (e.g. per key) splits the ops into groups checked independently:
 *   the history is linearizable iff every group is (Herlihy & Wing's locality).
 * The answer is exact or `unknown` (a budget ran out), never a guess.
 */
import { assert, assertNever } from '../../core/assert.js';
import { HistoryError, pairOperations } from '../../core/history.js';
import type { History, HistoryEvent, Operation } from '../../core/history.js';
import { toModelOp } from '../models/model.js';
import type { AnyModel, Model, ModelOp } from '../models/model.js';
import { PartitionSearch } from './search.js';
import type { CacheBudget, SearchOp } from './search.js';

export interface LinearizabilityOptions {
  /** Deterministic bound on search steps over all partitions. Default 1e9 (tens of seconds to minutes). */
  readonly maxSteps?: number;
  /**
   * Bound on remembered configurations, over all partitions searched at once (memory: about
   * 16 bytes + 4 per 32 ops each). Default 4,000,000.
   */
  readonly maxCacheEntries?: number;
  /**
   * Polled every few thousand steps; returning true ends the check as `unknown`. The CLI uses it
   * for a wall-clock timeout, which checkers may not read themselves.
   */
  readonly shouldStop?: () => boolean;
  /** Split the history with the model's `partition` (default true). */
  readonly partition?: boolean;
  /**
   * Keep checking the other partitions after one is found not linearizable, to give evidence for
   * each (default false: the verdict is settled, the rest is abandoned).
   */
  readonly allPartitions?: boolean;
  /**
   * Reject a process that invokes again after an op of its ended info (Jepsen's rule; default
   * false, since real histories do it after timed-out reads and the check stays sound).
   */
  readonly strictProcesses?: boolean;
}

export interface CheckStats {
  /** Ops in the history (invocations). */
  readonly operations: number;
  readonly ok: number;
  readonly failed: number;
  readonly indeterminate: number;
  /** Ops the search considered (fail ops and indeterminate reads dropped). */
  readonly searched: number;
  readonly partitions: number;
  readonly partitionsChecked: number;
  readonly partitionsUnknown: number;
  readonly steps: number;
  /** Largest visited set of one partition. */
  readonly cacheEntries: number;
  /** Largest number of distinct model states in one partition. */
  readonly states: number;
}

/** An op that could come next after the longest prefix, and why it cannot. */
export interface StuckOp {
  readonly op: Operation;
  /** `rejected`: the model refuses it in that state; `dead-end`: it fits, but nothing completes after it. */
  readonly why: 'rejected' | 'dead-end';
}

/** Why one partition is not linearizable. */
export interface PartitionEvidence {
  /** Index of the partition (order of first invocation). */
  readonly partition: number;
  /** The partition's key, when all its ops share one. */
  readonly key?: string;
  readonly operations: number;
  /** The longest linearizable prefix the search found, in linearization order. */
  readonly longestPrefix: readonly Operation[];
  /** The model state after that prefix, as the model describes it. */
  readonly stateAfterPrefix: string;
  /** The ops that could go next by real-time order; none can. */
  readonly cannotPlace: readonly StuckOp[];
  /**
   * The earliest-completing op not in the prefix: it had to be placed before anything invoked
   * after it completed. Often also one of `cannotPlace`.
   */
  readonly blockedBy: Operation;
}

export type LinearizabilityResult =
  | { readonly kind: 'linearizable'; readonly stats: CheckStats }
  | { readonly kind: 'not-linearizable'; readonly evidence: readonly PartitionEvidence[]; readonly stats: CheckStats }
  | { readonly kind: 'unknown'; readonly reason: string; readonly stats: CheckStats };

const DEFAULT_MAX_STEPS = 1_000_000_000;
const DEFAULT_MAX_CACHE_ENTRIES = 4_000_000;
/** Steps a partition runs before the next takes its turn; `shouldStop` is polled between slices. */
const SLICE_STEPS = 4096;

function isOperations(input: History | readonly Operation[]): input is readonly Operation[] {
  const first = input[0];
  return first !== undefined && 'outcome' in first;
}

/**
 * Checks a history (events) or already-paired operations against a model.
 * Throws HistoryError for a malformed history or an op the model does not understand.
 */
export function checkLinearizability<State>(
  input: History | readonly Operation[],
  model: Model<State>,
  options: LinearizabilityOptions = {},
): LinearizabilityResult {
  const operations: readonly Operation[] = isOperations(input)
    ? input
    : pairOperations(input as readonly HistoryEvent[], { allowInvokeAfterInfo: options.strictProcesses !== true });
  const anyModel = model as AnyModel;

  let ok = 0;
  let failed = 0;
  let indeterminate = 0;
  const kept: Operation[] = [];
  const modelOps = new Map<Operation, ModelOp>();
  for (const op of operations) {
    const modelOp = toModelOp(op);
    const problem = anyModel.validate?.(modelOp);
    if (problem !== undefined) {
      throw new HistoryError(op.invokeIndex, `model ${model.name}: process ${op.process} ${op.f}: ${problem}`);
    }
    switch (op.outcome) {
      case 'fail':
        failed++;
        continue;
      case 'info':
        indeterminate++;
        if (anyModel.readOnly?.(modelOp) === true) continue;
        break;
      case 'ok':
        ok++;
        break;
      default:
        return assertNever(op.outcome, 'op outcome');
    }
    kept.push(op);
    modelOps.set(op, modelOp);
  }

  const usePartition = options.partition !== false && anyModel.partition !== undefined;
  const groups: readonly (readonly Operation[])[] = usePartition ? anyModel.partition!(kept) : [kept];
  let grouped = 0;
  for (const group of groups) grouped += group.length;
  if (grouped !== kept.length) {
    throw new Error(`model ${model.name}: partition returned ${grouped} ops for ${kept.length}`);
  }

  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const cache: CacheBudget = { live: 0, max: options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES };
  const checkModel: AnyModel = usePartition && anyModel.partitionModel !== undefined ? anyModel.partitionModel : anyModel;
  const prepared = groups.map((group) => prepareGroup(group, modelOps));
  const searches = prepared.map((ops) => new PartitionSearch(checkModel, ops.map((s) => s.searchOp)));
  const evidence: PartitionEvidence[] = [];
  const unknownReasons: string[] = [];
  let stepsLeft = maxSteps;
  let cacheEntries = 0;
  let states = 0;
  let finished = 0;
  let stopReason: string | undefined;

  // Partitions take turns, a slice of steps each, like Porcupine's parallel goroutines but
  // deterministic: a cheap failing partition is found before an expensive one is exhausted.
  let active = searches.map((_, g) => g);
  while (active.length > 0 && stopReason === undefined) {
    const stillActive: number[] = [];
    for (const g of active) {
      if (stopReason !== undefined) {
        stillActive.push(g);
        continue;
      }
      if (stepsLeft <= 0) {
        stopReason = `step budget of ${maxSteps} exhausted`;
        stillActive.push(g);
        continue;
      }
      if (options.shouldStop?.() === true) {
        stopReason = 'stopped (timeout)';
        stillActive.push(g);
        continue;
      }
      const search = searches[g]!;
      const before = search.steps;
      const outcome = search.advance(Math.min(SLICE_STEPS, stepsLeft), cache);
      stepsLeft -= search.steps - before;
      if (outcome === undefined) {
        stillActive.push(g);
        continue;
      }
      finished++;
      cacheEntries = Math.max(cacheEntries, search.cacheEntries);
      states = Math.max(states, search.space.states.length);
      search.release(cache);
      switch (outcome.kind) {
        case 'linearizable':
          break;
        case 'violation': {
          evidence.push(explainViolation(g, groups[g]!, prepared[g]!.map((s) => s.op), search, outcome.longestPrefix, checkModel));
          if (options.allPartitions !== true) stopReason = 'violation';
          break;
        }
        case 'cache-full':
          unknownReasons.push(`cache budget of ${cache.max} configurations exhausted${where(g, groups)}`);
          break;
        default:
          assertNever(outcome, 'search outcome');
      }
    }
    active = stillActive;
  }
  if (stopReason !== undefined && stopReason !== 'violation') {
    for (const g of active) unknownReasons.push(`${stopReason}${where(g, groups)}`);
  }
  for (const g of active) {
    const search = searches[g]!;
    cacheEntries = Math.max(cacheEntries, search.cacheEntries);
    states = Math.max(states, search.space.states.length);
  }
  const steps = searches.reduce((sum, s) => sum + s.steps, 0);

  const stats: CheckStats = {
    operations: operations.length,
    ok,
    failed,
    indeterminate,
    searched: kept.length,
    partitions: groups.length,
    partitionsChecked: finished,
    partitionsUnknown: unknownReasons.length,
    steps,
    cacheEntries,
    states,
  };
  if (evidence.length > 0) return { kind: 'not-linearizable', evidence, stats };
  if (unknownReasons.length > 0) return { kind: 'unknown', reason: summarize(unknownReasons), stats };
  return { kind: 'linearizable', stats };
}

/** At most three reasons spelled out, then a count. */
function summarize(reasons: readonly string[]): string {
  const shown = reasons.slice(0, 3).join('; ');
  return reasons.length > 3 ? `${shown}; and ${reasons.length - 3} more partitions` : shown;
}

function where(g: number, groups: readonly (readonly Operation[])[]): string {
  return groups.length > 1 ? ` in partition ${g}${labelOf(groups[g]!)}` : '';
}

function explainViolation(
  g: number,
  group: readonly Operation[],
  ops: readonly Operation[],
  search: PartitionSearch,
  longestPrefix: readonly number[],
  model: AnyModel,
): PartitionEvidence {
  const why = search.explain(longestPrefix);
  const describe = model.describeState ?? ((s: unknown) => JSON.stringify(s) ?? String(s));
  const key = commonKey(group);
  // The search fails only on reaching a return entry, so some determinate op is always pending.
  assert(why.blockedBy !== undefined, 'a violation with no pending determinate op');
  const item: { -readonly [K in keyof PartitionEvidence]: PartitionEvidence[K] } = {
    partition: g,
    operations: group.length,
    longestPrefix: longestPrefix.map((i) => ops[i]!),
    stateAfterPrefix: describe(why.state),
    cannotPlace: why.candidates.map((c) => ({ op: ops[c.op]!, why: c.rejected ? 'rejected' : 'dead-end' })),
    blockedBy: ops[why.blockedBy]!,
  };
  if (key !== undefined) item.key = key;
  return item;
}

/**
 * Search ops for one group, in invocation order. Indeterminate ops invoked after the last
 * determinate op completed are dropped: they could only be placed after everything that matters,
 * which is the same as never.
 */
function prepareGroup(group: readonly Operation[], modelOps: ReadonlyMap<Operation, ModelOp>): { op: Operation; searchOp: SearchOp }[] {
  let lastReturn = -Infinity;
  for (const op of group) if (op.outcome === 'ok' && op.completeIndex > lastReturn) lastReturn = op.completeIndex;
  const out: { op: Operation; searchOp: SearchOp }[] = [];
  for (const op of group) {
    if (op.outcome !== 'ok' && op.invokeIndex > lastReturn) continue;
    out.push({
      op,
      searchOp: { modelOp: modelOps.get(op)!, callPos: op.invokeIndex, returnPos: op.outcome === 'ok' ? op.completeIndex : Infinity },
    });
  }
  out.sort((a, b) => a.op.invokeIndex - b.op.invokeIndex);
  return out;
}

function commonKey(group: readonly Operation[]): string | undefined {
  const key = group[0]?.key;
  if (key === undefined) return undefined;
  for (const op of group) if (op.key !== key) return undefined;
  return key;
}

function labelOf(group: readonly Operation[]): string {
  const key = commonKey(group);
  return key === undefined ? '' : ` (key ${JSON.stringify(key)})`;
}
