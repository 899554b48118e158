/**
 * The runner's side of the call watch (kernel/watch.ts): checks, views and create() are protocol
 * code too, so a watchdog can tell which one never returns. Without a watch, marks cost nothing.
 */
import { CallKind, beat, enterCall, leaveCall, type CallWatch } from '../kernel/watch.js';

export interface CallMarks {
  /** Runs `fn` marked as a call of `kind` (on node index `node`, -1 for none; named `name`). */
  call<T>(kind: CallKind, node: number, name: string | undefined, fn: () => T): T;
  /** Progress inside a long call of dsim's own (the linearizability search). */
  beat(): void;
}

export const NO_MARKS: CallMarks = { call: (_kind, _node, _name, fn) => fn(), beat: () => {} };

export function callMarks(watch: CallWatch | undefined): CallMarks {
  if (watch === undefined) return NO_MARKS;
  const cells = watch.cells;
  return {
    call(kind, node, name, fn) {
      enterCall(cells, kind, node, name === undefined ? -1 : watch.nameId(name));
      try {
        return fn();
      } finally {
        leaveCall(cells, CallKind.kernel);
      }
    },
    beat: () => beat(cells),
  };
}
