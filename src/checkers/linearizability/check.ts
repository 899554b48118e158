/**
 * checkLinearizability: is there a total order of the history's ops, consistent with real time
 * (an op that completed before another was invoked comes first), that the model accepts?
 *
 * Preparation, then one exact search per partition (see search.ts):
 * - `fail` ops never took effect: dropped.
 * - `info` ops (and ops never completed) may take effect at any point after their invocation, or
 *   never; indeterminate reads (the model's `readOnly`) constrain nothing and are dropped, and so
 *   are indeterminate writes whose value no op observes (the model's `observes`: leaving them
 *   out changes no verdict, and each one would otherwise double the configurations it overlaps).
 * - Ops over several keys (dsim's `key`, or jepsen.independent `[k v]` values) are judged per key
 *   by a single-object model (independent.ts).
 * - The model's `partition` (e.g. per key) splits the ops into groups checked independently:
 *   the history is linearizable iff every group is (Herlihy & Wing's locality).
 * The answer is exact or `unknown` (a budget ran out), never a guess; an unknown carries how far
 * the search got.
 */
import { assert, assertNever } from '../../core/assert.js';
import { formatBytes } from '../../core/bytes.js';
import { HistoryError, pairOperations } from '../../core/history.js';
import type { History, HistoryEvent, Operation } from '../../core/history.js';
import { hashValue, toModelOp, valueEqual } from '../models/model.js';
import type { AnyModel, Model, ModelOp } from '../models/model.js';
import { applyKeys } from './independent.js';
import type { KeyShape } from './independent.js';
import { PartitionSearch } from './search.js';
import type { Representation, SearchBudget, SearchOp } from './search.js';

export interface LinearizabilityOptions {
  /** Deterministic bound on search steps over all partitions. Default 1e9 (tens of seconds to minutes). */
  readonly maxSteps?: number;
  /**
   * Bound on the memory the search holds, in bytes, over all partitions searched at once: the
   * remembered configurations, their tables and the interned model states (an estimate for
   * states the model does not size). Default 1 GiB: a 4 GB machine never swaps.
   */
  readonly maxMemoryBytes?: number;
  /** Bound on remembered configurations, over all partitions searched at once. Default: none but memory. */
  readonly maxConfigurations?: number;
  /** @deprecated The old name of `maxConfigurations`. */
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
  /**
   * jepsen.independent `[k v]` values: undefined (default) detects them (every value a pair and
   * some invocation `[k nil]`); true insists (a value that is not a pair is bad input); false
   * reads values as they are.
   */
  readonly independent?: boolean;
  /** How the search remembers configurations (see search.ts); the defaults suit every history. */
  readonly representation?: Representation;
}

export interface CheckStats {
  /** Ops in the history (invocations). */
  readonly operations: number;
  readonly ok: number;
  readonly failed: number;
  readonly indeterminate: number;
  /** Ops judged (fail ops and indeterminate reads dropped); unobservedWrites of them needed no search. */
  readonly searched: number;
  /** Indeterminate writes no op observed, dropped before searching (see Model.observes). */
  readonly unobservedWrites: number;
  readonly partitions: number;
  readonly partitionsChecked: number;
  readonly partitionsUnknown: number;
  readonly steps: number;
  /** Largest visited set of one partition. */
  readonly cacheEntries: number;
  /** Largest number of distinct model states in one partition. */
  readonly states: number;
  /** Most memory the searches held at once, bytes (as the budget counts it). */
  readonly peakMemoryBytes: number;
  /** When the ops carry keys: where from and how many (each key judged alone). */
  readonly keys?: KeyShape;
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

/**
 * How far the search of an undecided partition got, as Porcupine's partial linearizations: the
 * longest prefix it linearized, the state after it, and the ops still open there.
 */
export interface PartialEvidence {
  readonly partition: number;
  readonly key?: string;
  readonly operations: number;
  /** Why this partition is undecided (budget, timeout). */
  readonly reason: string;
  readonly longestPrefix: readonly Operation[];
  readonly stateAfterPrefix: string;
  /** Ops not in the prefix that real time allows next (some may fit, the search had not finished). */
  readonly open: readonly Operation[];
  /** The earliest-completing op not in the prefix, if any. */
  readonly blockedBy?: Operation;
  readonly steps: number;
  readonly configurations: number;
}

export type LinearizabilityResult =
  | { readonly kind: 'linearizable'; readonly stats: CheckStats }
  | { readonly kind: 'not-linearizable'; readonly evidence: readonly PartitionEvidence[]; readonly stats: CheckStats }
  | { readonly kind: 'unknown'; readonly reason: string; readonly partial: readonly PartialEvidence[]; readonly stats: CheckStats };

const DEFAULT_MAX_STEPS = 1_000_000_000;
/** 1 GiB: with the history itself and Node, a check stays well inside a 4 GB machine. */
export const DEFAULT_MAX_MEMORY_BYTES = 1024 * 1024 * 1024;
/** Steps a partition runs before the next takes its turn; `shouldStop` is polled between slices. */
const SLICE_STEPS = 4096;
/** Partial evidence is spelled out for this many undecided partitions (the rest are counted). */
const PARTIAL_SHOWN = 8;

function isOperations(input: History | readonly Operation[]): input is readonly Operation[] {
  const first = input[0];
  return first !== undefined && 'outcome' in first;
}

/** The ops to search (with their model ops, aligned) and the counts: fail ops and indeterminate reads dropped. */
function keepSearchable(
  operations: readonly Operation[],
  model: AnyModel,
): { kept: Operation[]; modelOps: ModelOp[]; ok: number; failed: number; indeterminate: number } {
  let ok = 0;
  let failed = 0;
  let indeterminate = 0;
  const kept: Operation[] = [];
  const modelOps: ModelOp[] = [];
  for (const op of operations) {
    const modelOp = toModelOp(op);
    const problem = model.validate?.(modelOp);
    if (problem !== undefined) {
      throw new HistoryError(op.invokeIndex, `model ${model.name}: process ${op.process} ${op.f}: ${problem}`);
    }
    switch (op.outcome) {
      case 'fail':
        failed++;
        continue;
      case 'info':
        indeterminate++;
        if (model.readOnly?.(modelOp) === true) continue;
        break;
      case 'ok':
        ok++;
        break;
      default:
        return assertNever(op.outcome, 'op outcome');
    }
    kept.push(op);
    modelOps.push(modelOp);
  }
  return { kept, modelOps, ok, failed, indeterminate };
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
  const paired: readonly Operation[] = isOperations(input)
    ? input
    : pairOperations(input as readonly HistoryEvent[], { allowInvokeAfterInfo: options.strictProcesses !== true });
  const keyed = applyKeys(paired, model as AnyModel, { independent: options.independent });
  const anyModel = keyed.model;
  const { kept, modelOps, ok, failed, indeterminate } = keepSearchable(keyed.ops, anyModel);

  const usePartition = options.partition !== false && anyModel.partition !== undefined;
  const groups: readonly (readonly Operation[])[] = usePartition ? anyModel.partition!(kept) : [kept];
  let grouped = 0;
  for (const group of groups) grouped += group.length;
  if (grouped !== kept.length) {
    throw new Error(`model ${model.name}: partition returned ${grouped} ops for ${kept.length}`);
  }

  const maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
  const budget: SearchBudget = {
    usedBytes: 0,
    maxBytes: options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES,
    configurations: 0,
    maxConfigurations: options.maxConfigurations ?? options.maxCacheEntries ?? Number.MAX_SAFE_INTEGER,
  };
  const checkModel: AnyModel = usePartition && anyModel.partitionModel !== undefined ? anyModel.partitionModel : anyModel;
  // One group is the kept ops themselves; several need each op's model op found again.
  let modelOpOf: (op: Operation, i: number) => ModelOp = (_op, i) => modelOps[i]!;
  if (groups.length > 1 || groups[0] !== kept) {
    const byOp = new Map<Operation, ModelOp>();
    kept.forEach((op, i) => byOp.set(op, modelOps[i]!));
    modelOpOf = (op) => byOp.get(op)!;
  }
  const prepared = groups.map((group) => prepareGroup(group, modelOpOf, checkModel));
  let unobserved = 0;
  for (const p of prepared) unobserved += p.unobserved;
  // Searches are built as their partition's turn comes: a million small keys need not all be in
  // memory at once when most finish in their first slice.
  const searches: (PartitionSearch | undefined)[] = groups.map(() => undefined);
  const searchOptions = options.representation === undefined ? {} : { representation: options.representation };
  const searchOf = (g: number): PartitionSearch => (searches[g] ??= new PartitionSearch(checkModel, prepared[g]!.searchOps, searchOptions));
  const evidence: PartitionEvidence[] = [];
  const undecided = new Map<number, string>();
  let stepsLeft = maxSteps;
  let steps = 0;
  let cacheEntries = 0;
  let states = 0;
  let peakMemoryBytes = 0;
  let finished = 0;
  let stopReason: string | undefined;
  const settle = (search: PartitionSearch): void => {
    cacheEntries = Math.max(cacheEntries, search.cacheEntries);
    states = Math.max(states, search.space.states.length);
    peakMemoryBytes = Math.max(peakMemoryBytes, budget.usedBytes);
  };

  // Partitions take turns, a slice of steps each, like Porcupine's parallel goroutines but
  // deterministic: a cheap failing partition is found before an expensive one is exhausted.
  let active = groups.map((_, g) => g);
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
      if (searches[g] === undefined && sequentiallyLinearizable(checkModel, prepared[g]!.searchOps)) {
        // No two ops overlap and the model accepts them in order: nothing to search.
        finished++;
        continue;
      }
      const search = searchOf(g);
      const before = search.steps;
      const outcome = search.advance(Math.min(SLICE_STEPS, stepsLeft), budget);
      stepsLeft -= search.steps - before;
      steps += search.steps - before;
      if (outcome === undefined) {
        stillActive.push(g);
        continue;
      }
      settle(search);
      switch (outcome.kind) {
        case 'linearizable':
          finished++;
          break;
        case 'violation': {
          finished++;
          evidence.push(explainViolation(g, groups[g]!, prepared[g]!.ops, search, outcome.longestPrefix, checkModel));
          if (options.allPartitions !== true) stopReason = 'violation';
          break;
        }
        case 'budget':
          undecided.set(
            g,
            outcome.what === 'memory'
              ? `memory budget of ${formatBytes(budget.maxBytes)} exhausted`
              : `budget of ${budget.maxConfigurations} configurations exhausted`,
          );
          break;
        case 'ends':
          throw new Error('linearizability: a whole-history search enumerated end configurations');
        default:
          assertNever(outcome, 'search outcome');
      }
      // Its tables go back to the budget; an undecided search stays for its partial evidence.
      search.release(budget);
      if (outcome.kind !== 'budget') searches[g] = undefined;
    }
    active = stillActive;
  }
  if (stopReason !== undefined && stopReason !== 'violation') {
    for (const g of active) undecided.set(g, stopReason);
  }
  for (const g of active) {
    const search = searches[g];
    if (search !== undefined) settle(search);
  }

  const stats: CheckStats = {
    operations: paired.length,
    ok,
    failed,
    indeterminate,
    searched: kept.length,
    unobservedWrites: unobserved,
    partitions: groups.length,
    partitionsChecked: finished,
    partitionsUnknown: undecided.size,
    steps,
    cacheEntries,
    states,
    peakMemoryBytes,
    ...(keyed.shape === undefined ? {} : { keys: keyed.shape }),
  };
  if (evidence.length > 0) return { kind: 'not-linearizable', evidence, stats };
  if (undecided.size > 0) {
    const partial: PartialEvidence[] = [];
    for (const [g, why] of [...undecided].slice(0, PARTIAL_SHOWN)) {
      partial.push(explainPartial(g, groups[g]!, prepared[g]!.ops, searchOf(g), checkModel, why));
    }
    const reasons = [...undecided].map(([g, why]) => `${why}${where(g, groups)}`);
    return { kind: 'unknown', reason: summarize(reasons), partial, stats };
  }
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

function describer(model: AnyModel): (s: unknown) => string {
  return model.describeState?.bind(model) ?? ((s: unknown) => JSON.stringify(s) ?? String(s));
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
  const key = commonKey(group);
  // The search fails only on reaching a return entry, so some determinate op is always pending.
  assert(why.blockedBy !== undefined, 'a violation with no pending determinate op');
  const item: { -readonly [K in keyof PartitionEvidence]: PartitionEvidence[K] } = {
    partition: g,
    operations: group.length,
    longestPrefix: longestPrefix.map((i) => ops[i]!),
    stateAfterPrefix: describer(model)(why.state),
    cannotPlace: why.candidates.map((c) => ({ op: ops[c.op]!, why: c.rejected ? 'rejected' : 'dead-end' })),
    blockedBy: ops[why.blockedBy]!,
  };
  if (key !== undefined) item.key = key;
  return item;
}

function explainPartial(g: number, group: readonly Operation[], ops: readonly Operation[], search: PartitionSearch, model: AnyModel, reason: string): PartialEvidence {
  const prefix = search.longestPrefix();
  const why = search.explain(prefix);
  const key = commonKey(group);
  const item: { -readonly [K in keyof PartialEvidence]: PartialEvidence[K] } = {
    partition: g,
    operations: group.length,
    reason,
    longestPrefix: prefix.map((i) => ops[i]!),
    stateAfterPrefix: describer(model)(why.state),
    open: why.candidates.map((c) => ops[c.op]!),
    steps: search.steps,
    configurations: search.cacheEntries,
  };
  if (why.blockedBy !== undefined) item.blockedBy = ops[why.blockedBy]!;
  if (key !== undefined) item.key = key;
  return item;
}

/**
 * Search ops for one group, in invocation order. Indeterminate ops invoked after the last
 * determinate op completed are dropped: they could only be placed after everything that matters,
 * which is the same as never.
 */
function prepareGroup(
  group: readonly Operation[],
  modelOpOf: (op: Operation, i: number) => ModelOp,
  model: AnyModel,
): { ops: Operation[]; searchOps: SearchOp[]; unobserved: number } {
  let lastReturn = -Infinity;
  let sorted = true;
  for (let i = 0; i < group.length; i++) {
    const op = group[i]!;
    if (op.outcome === 'ok' && op.completeIndex > lastReturn) lastReturn = op.completeIndex;
    if (i > 0 && op.invokeIndex < group[i - 1]!.invokeIndex) sorted = false;
  }
  let entries: { op: Operation; searchOp: SearchOp; unobserved?: boolean }[] = [];
  for (let i = 0; i < group.length; i++) {
    const op = group[i]!;
    if (op.outcome !== 'ok' && op.invokeIndex > lastReturn) continue;
    entries.push({ op, searchOp: { modelOp: modelOpOf(op, i), callPos: op.invokeIndex, returnPos: op.outcome === 'ok' ? op.completeIndex : Infinity } });
  }
  if (!sorted) entries = entries.sort((a, b) => a.op.invokeIndex - b.op.invokeIndex);
  const unobserved = unobservedOverwrites(model, entries);
  if (unobserved > 0) entries = entries.filter((e) => !e.unobserved);
  return { ops: entries.map((e) => e.op), searchOps: entries.map((e) => e.searchOp), unobserved };
}

/**
 * Marks the indeterminate overwrites whose value no op of the group observes (see Model.observes:
 * the history is linearizable with them iff without them) and returns how many. Nothing when the
 * model does not say, or some op depends on the state in a way it cannot name.
 */
function unobservedOverwrites(model: AnyModel, entries: { searchOp: SearchOp; unobserved?: boolean }[]): number {
  if (model.overwrite === undefined || model.observes === undefined) return 0;
  const observed = new Map<number, unknown[]>();
  const candidates: { entry: { searchOp: SearchOp; unobserved?: boolean }; value: unknown }[] = [];
  for (const entry of entries) {
    const op = entry.searchOp.modelOp;
    const write = model.overwrite(op);
    if (write !== undefined) {
      if (!op.known) candidates.push({ entry, value: write.value });
      continue;
    }
    const values = model.observes(op);
    if (values === undefined) return 0;
    for (const value of values) {
      const h = hashValue(value);
      const bucket = observed.get(h);
      if (bucket === undefined) observed.set(h, [value]);
      else bucket.push(value);
    }
  }
  let dropped = 0;
  for (const { entry, value } of candidates) {
    if (observed.get(hashValue(value))?.some((v) => valueEqual(v, value)) === true) continue;
    entry.unobserved = true;
    dropped++;
  }
  return dropped;
}

/**
 * A partition whose ops never overlap in time and all completed has one candidate order: real
 * time's. True when the model accepts it (then the partition is linearizable without a search);
 * false when the ops overlap, some are indeterminate, or the model refuses (the search then
 * finds the evidence).
 */
function sequentiallyLinearizable(model: AnyModel, ops: readonly SearchOp[]): boolean {
  let lastReturn = -Infinity;
  for (const op of ops) {
    if (op.returnPos === Infinity || op.callPos <= lastReturn) return false;
    lastReturn = op.returnPos;
  }
  let state: unknown = model.init();
  for (const op of ops) {
    const result = model.step(state, op.modelOp);
    if (!result.ok) return false;
    state = result.nextState;
  }
  return true;
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
