/**
 * Checks of a streamed run: the history is judged event by event as the clients record it and is
 * not kept, so a run's memory is bounded by its live state, not its length (`dsim run --soak`).
 *
 * - linearizable: per key, in windows between quiescent points (checkers/windowed-register.ts),
 *   for the register-like models (kv, register); other models are not judged when streamed.
 * - durable: DurabilityTracker, O(keys).
 * - liveness: the ops invoked after the final-read time (the final reads) are kept and judged.
 * Checks that need the whole history (isolation, a protocol's own checks over the history) are
 * reported unknown in a streamed run.
 */
import { OperationStream, type HistoryEvent, type Operation } from '../core/history.js';
import type { CheckVerdict } from '../core/protocol.js';
import { plural } from '../core/plural.js';
import { DurabilityTracker, checkLiveness } from '../checkers/generic.js';
import { getModel, type AnyModel } from '../checkers/linearizability/index.js';
import { describeOperation } from '../checkers/linearizability/index.js';
import { WindowedRegisterChecker } from '../checkers/windowed-register.js';
import type { ModelName } from '../workload/generators.js';

/** Checks that need no history: judged as in any run. */
export const HISTORY_FREE_CHECKS = new Set(['converged', 'invariants', 'health']);

const WINDOWED_MODELS: Partial<Record<ModelName, string>> = { kv: 'kv', register: 'cas-register' };

export class StreamedChecks {
  private readonly pairs = new OperationStream();
  private readonly windows: WindowedRegisterChecker<unknown> | undefined;
  private readonly modelName: string | undefined;
  /** Unset when not asked for, and for transactions (their durability needs the whole history). */
  private readonly durable: DurabilityTracker | undefined;
  /** Ops invoked at or after the final-read time: the final reads, for liveness. */
  private readonly late: Operation[] = [];
  /** Events seen. */
  events = 0;

  private readonly finalReadFromUs: number;
  private readonly healed: boolean;
  private readonly linearizableAsked: boolean;

  /**
   * `checks`: the scenario's check names. A check that is not asked for keeps no state: the
   * windowed linearizability search is the costly one, built only when `linearizable` is asked.
   */
  constructor(options: { model: ModelName; checks: readonly string[]; finalReadFromUs: number; healed: boolean }) {
    const { model, checks, finalReadFromUs, healed } = options;
    this.finalReadFromUs = finalReadFromUs;
    this.healed = healed;
    this.linearizableAsked = checks.includes('linearizable');
    this.modelName = WINDOWED_MODELS[model];
    const full = this.modelName === undefined || !this.linearizableAsked ? undefined : (getModel(this.modelName) as AnyModel | undefined);
    this.windows = full === undefined ? undefined : new WindowedRegisterChecker<unknown>((full.partitionModel ?? full) as AnyModel);
    const transactional = model === 'list-append' || model === 'rw-register';
    this.durable = transactional || !checks.includes('durable') ? undefined : new DurabilityTracker(finalReadFromUs);
  }

  push(event: HistoryEvent): void {
    this.events++;
    if (event.type === 'invoke') {
      this.windows?.invoked(event.key, event.index);
      this.durable?.invoked(event.key);
    }
    const op = this.pairs.push(event);
    if (op !== undefined) this.complete(op);
  }

  /** The verdicts, once the run is over. */
  finish(): Map<string, CheckVerdict> {
    const open = this.pairs.open();
    for (const op of open) {
      this.durable?.add(op);
      if ((op.invokeTimeUs ?? 0) >= this.finalReadFromUs) this.late.push(op);
    }
    const out = new Map<string, CheckVerdict>();
    if (this.durable !== undefined) out.set('durable', this.durable.verdict());
    this.late.sort((a, b) => a.id - b.id);
    out.set('liveness', checkLiveness(this.late, this.finalReadFromUs, this.healed));
    if (this.linearizableAsked) out.set('linearizable', this.linearizable(open));
    return out;
  }

  private complete(op: Operation): void {
    this.windows?.completed(op);
    this.durable?.add(op);
    if ((op.invokeTimeUs ?? 0) >= this.finalReadFromUs) this.late.push(op);
  }

  private linearizable(open: readonly Operation[]): CheckVerdict {
    if (this.windows === undefined) return { verdict: 'unknown', detail: 'a streamed run checks linearizability of kv and register workloads only' };
    const r = this.windows.finish(open);
    const how = `checked in ${plural(r.windows, 'window')} between quiescent points, the largest ${plural(r.largestWindow, 'op')}`;
    switch (r.kind) {
      case 'linearizable':
        return { verdict: 'pass', detail: `${plural(r.ops, 'op')} on ${plural(r.keys, 'key')} linearizable (${this.modelName} model), ${how}` };
      case 'unknown':
        return { verdict: 'unknown', detail: `undecided: ${r.reason ?? 'a budget ran out'}` };
      case 'not-linearizable': {
        const v = r.violation!;
        const shown = v.window.slice(0, 6).map((op) => describeOperation(op)).join('; ');
        return {
          verdict: 'fail',
          detail: `${v.key !== undefined ? `key ${v.key}: ` : ''}the ${plural(v.window.length, 'op')} between two quiescent points fit no order from any state the earlier ops allow (${v.startStates.join(' or ')}): ${shown}${v.window.length > 6 ? '; ...' : ''}`,
          evidence: v,
        };
      }
    }
  }
}
