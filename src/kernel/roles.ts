/**
 * What the kernel tells about the protocol's roles and state summaries: a role change is traced
 * and reported to the step observer, the nodes leading are counted (the virtual time with no
 * leader, SimStats.leaderlessUs), and a changed one-line summary is traced. `role()` and
 * `summary()` are protocol code: guarded (a throw is the protocol's finding) and watched.
 */
import { describeThrown } from '../core/thrown.js';
import type { AnyProtocol } from '../core/protocol.js';
import type { FindingKind } from './findings.js';
import type { NodeSlot } from './node-slot.js';
import { STEP_MESSAGE, STEP_TIMER, messageType, type StepKind } from './steps.js';
import type { SimStats, StepObserver, TraceEventInput } from './types.js';
import { CallKind, enterCall, leaveCall } from './watch.js';

/** What the role tracker needs from the kernel. */
export interface RolesHost {
  readonly protocol: AnyProtocol;
  readonly stats: SimStats;
  /** The watchdog's cells, when watched. */
  readonly cells: Int32Array | undefined;
  now(): number;
  emit(event: TraceEventInput): void;
  finding(kind: FindingKind, message: string, slot: NodeSlot, stack?: string): void;
}

export class RoleTracker {
  /** Up nodes in the role `leader`, and since when none has been (undefined while one is). */
  private leaders = 0;
  private leaderlessSinceUs: number | undefined = 0;

  constructor(private readonly host: RolesHost) {}

  /** The protocol's `role`, guarded: a role() that throws is the protocol's bug, reported as a finding. */
  safeRole(slot: NodeSlot): string | undefined {
    const protocol = this.host.protocol;
    const role = protocol.role;
    if (slot.state === undefined || role === undefined) return undefined;
    const cells = this.host.cells;
    if (cells !== undefined) enterCall(cells, CallKind.role, slot.index, -1);
    try {
      return role.call(protocol, slot.state);
    } catch (error) {
      const thrown = describeThrown(error);
      this.host.finding('handler-threw', `role() threw ${thrown.text}`, slot, thrown.stack);
      return undefined;
    } finally {
      if (cells !== undefined) leaveCall(cells, CallKind.kernel);
    }
  }

  /** Traces a role change, and keeps count of the nodes leading (SimStats.leaderlessUs). */
  noteRoleChange(slot: NodeSlot): void {
    if (this.host.protocol.role === undefined) return;
    const role = this.safeRole(slot);
    if (role !== slot.lastRole) {
      slot.lastRole = role;
      this.host.emit({ kind: 'role', node: slot.id, role: role ?? null });
    }
    this.setLeading(slot, role === 'leader' && slot.status === 'up');
  }

  setLeading(slot: NodeSlot, leading: boolean): void {
    if (slot.leading === leading) return;
    slot.leading = leading;
    this.leaders += leading ? 1 : -1;
    const nowUs = this.host.now();
    if (leading && this.leaders === 1 && this.leaderlessSinceUs !== undefined) {
      this.host.stats.leaderlessUs += nowUs - this.leaderlessSinceUs;
      this.leaderlessSinceUs = undefined;
    } else if (!leading && this.leaders === 0) this.leaderlessSinceUs = nowUs;
  }

  /** Brings leaderlessUs up to now. */
  settle(): void {
    if (this.leaderlessSinceUs === undefined) return;
    const nowUs = this.host.now();
    this.host.stats.leaderlessUs += nowUs - this.leaderlessSinceUs;
    this.leaderlessSinceUs = nowUs;
  }

  /** After a step, for the step observer: the delivery it handled and any role change. */
  observeStep(observer: StepObserver, slot: NodeSlot, kind: StepKind, arg: unknown): void {
    if (kind === STEP_MESSAGE) observer(slot.id, 'deliver', messageType(arg));
    else if (kind === STEP_TIMER) observer(slot.id, 'timer', arg as string);
    if (this.host.protocol.role === undefined || slot.state === undefined) return;
    const role = slot.lastRole; // noteRoleChange just read it
    if (role !== slot.observedRole) {
      slot.observedRole = role;
      observer(slot.id, 'role', role ?? '');
    }
  }

  /** Traces the protocol's one-line state summary when it changed (reports show it on hover). */
  noteSummaryChange(slot: NodeSlot): void {
    if (slot.state === undefined) return;
    let summary: string;
    const cells = this.host.cells;
    if (cells !== undefined) enterCall(cells, CallKind.role, slot.index, -1);
    try {
      summary = this.host.protocol.summary!(slot.state);
    } catch (error) {
      summary = `(summary() threw: ${describeThrown(error).text})`;
    }
    if (cells !== undefined) leaveCall(cells, CallKind.kernel);
    if (summary !== slot.lastSummary) {
      slot.lastSummary = summary;
      this.host.emit({ kind: 'state', node: slot.id, summary });
    }
  }
}

/** One observer for two (either may be undefined). */
export function bothObservers(a: StepObserver | undefined, b: StepObserver | undefined): StepObserver | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return (node, kind, detail) => {
    a(node, kind, detail);
    b(node, kind, detail);
  };
}
