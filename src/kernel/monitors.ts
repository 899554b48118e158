/**
 * The protocol's invariants, checked after every step. Each invariant's `monitor()` is called once
 * per run for its per-step check; a check that fails (or throws) is reported once and not run
 * again. Both are protocol code, watched like any call (watch.ts).
 */
import type { ClusterView, Invariant, NodeView } from '../core/protocol.js';
import { describeThrown } from '../core/thrown.js';
import type { NodeSlot } from './node-slot.js';
import { CallKind, enterCall, leaveCall, type CallWatch } from './watch.js';

interface Monitor {
  readonly name: string;
  readonly check: (view: ClusterView<unknown>) => string | undefined;
  broken: boolean;
  readonly nameId: number;
}

export class InvariantMonitors {
  private readonly monitors: Monitor[];
  private readonly cells: Int32Array | undefined;
  private readonly report: (name: string, message: string) => void;
  /** What the checks see; reused (no copies per step). */
  private readonly view: {
    nowUs: number;
    nodes: readonly NodeView<unknown>[];
    changed: NodeView<unknown> | undefined;
    changedIndex: number | undefined;
    clockUs: ((index: number) => number) | undefined;
  };

  constructor(options: {
    invariants: readonly Invariant<unknown>[];
    nodes: readonly NodeView<unknown>[];
    /** A node's clock reading now, by index (ClusterView.clockUs). */
    clockUs?: (index: number) => number;
    callWatch: CallWatch | undefined;
    /** A broken invariant: reported once, with the invariant's name. */
    report: (name: string, message: string) => void;
  }) {
    this.cells = options.callWatch?.cells;
    this.view = { nowUs: 0, nodes: options.nodes, changed: undefined, changedIndex: undefined, clockUs: options.clockUs };
    this.report = options.report;
    this.monitors = options.invariants.map((inv) => this.makeMonitor(inv, options.callWatch));
  }

  /** Whether there is anything to check. */
  get active(): boolean {
    return this.monitors.length > 0;
  }

  /** After a step of `slot`: no other node's state changed since the previous check. */
  checkAfterStep(slot: NodeSlot, nowUs: number): void {
    const view = this.view;
    view.nowUs = nowUs;
    view.changed = slot;
    view.changedIndex = slot.index;
    for (const monitor of this.monitors) {
      if (monitor.broken) continue;
      let message: string | undefined;
      const cells = this.cells;
      if (cells !== undefined) enterCall(cells, CallKind.invariant, slot.index, monitor.nameId);
      try {
        message = monitor.check(view);
      } catch (error) {
        message = `the invariant itself threw: ${describeThrown(error).text}`;
      }
      if (cells !== undefined) leaveCall(cells, CallKind.kernel);
      if (message !== undefined) {
        monitor.broken = true;
        this.report(monitor.name, message);
      }
    }
  }

  /** An invariant's per-run check; a monitor() that throws is the invariant's failure, reported as such. */
  private makeMonitor(invariant: Invariant<unknown>, callWatch: CallWatch | undefined): Monitor {
    const nameId = callWatch?.nameId(invariant.name) ?? -1;
    const cells = this.cells;
    if (cells !== undefined) enterCall(cells, CallKind.invariant, -1, nameId);
    try {
      return { name: invariant.name, check: invariant.monitor(), broken: false, nameId };
    } catch (error) {
      this.report(invariant.name, `the invariant's monitor() threw: ${describeThrown(error).text}`);
      return { name: invariant.name, check: () => undefined, broken: true, nameId };
    } finally {
      if (cells !== undefined) leaveCall(cells, CallKind.kernel);
    }
  }
}
