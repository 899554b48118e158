/**
 * Node lifecycle and the faults on a node itself: start, crash, restart, pause and resume; the
 * clock (skew, drift, resolution); the disk (a lying disk's unsynced writes, a wiped disk); crash
 * points armed inside a node's next step. Each change feeds the trace hash with its own tag, in
 * the order the kernel always fed it.
 */
import { assert } from '../core/assert.js';
import { clonePlain } from '../core/clone.js';
import type { NodeStatus } from '../core/protocol.js';
import type { TraceHash, ValueHasher } from '../trace/hash.js';
import { exactLocalTime, monotonicTime } from './clock.js';
import type { NodeSlot } from './node-slot.js';
import type { EventQueue, SimEvent } from './queue.js';
import type { RoleTracker } from './roles.js';
import { STEP_INIT, STEP_REINIT } from './steps.js';
import type { CrashPoint, StepObserver, TraceEventInput } from './types.js';

/** What the lifecycle needs from the kernel. */
export interface LifecycleHost {
  readonly hash: TraceHash;
  /** Hashes what a node recovers (it decides what the node does next). */
  readonly values: ValueHasher;
  readonly queue: EventQueue;
  readonly roles: RoleTracker;
  now(): number;
  observer(): StepObserver | undefined;
  emit(event: TraceEventInput): void;
  enqueue(ev: SimEvent): void;
  /** The node's init step, with what it recovered from its disk. */
  init(slot: NodeSlot, kind: typeof STEP_INIT | typeof STEP_REINIT, durable: unknown): void;
  /** Its persisted value cannot be read back: the protocol's finding, in that init step. */
  unreadable(slot: NodeSlot, kind: typeof STEP_INIT | typeof STEP_REINIT, message: string): void;
  /** After a clock change: beliefs stated in the node's time move. */
  clockChanged(slot: NodeSlot): void;
}

export class NodeLifecycle {
  constructor(private readonly host: LifecycleHost) {}

  start(slot: NodeSlot): void {
    if (slot.status !== 'stopped') return;
    this.host.emit({ kind: 'start', node: slot.id });
    this.boot(slot, 'start');
  }

  crash(slot: NodeSlot): void {
    if (slot.status === 'crashed' || slot.status === 'stopped') return;
    const host = this.host;
    host.hash.mix(0x5000 + slot.index);
    slot.status = 'crashed';
    slot.state = undefined;
    slot.incarnation++;
    slot.timers.clear();
    // A lying disk keeps what it synced; writes still in its cache are gone.
    this.syncDisk(slot);
    if (slot.unsynced.length > 0) {
      host.hash.mix(0x5800 + slot.unsynced.length);
      host.emit({ kind: 'note', node: slot.id, event: 'unsynced writes lost', data: { persists: slot.unsynced.length } });
      slot.unsynced = [];
    }
    for (const ev of slot.paused) host.queue.recycle(ev);
    slot.paused = [];
    host.emit({ kind: 'crash', node: slot.id });
    host.roles.noteRoleChange(slot);
    slot.lastSummary = undefined;
    slot.crashPoint = undefined;
    slot.observedRole = undefined;
    host.observer()?.(slot.id, 'crash', '');
  }

  restart(slot: NodeSlot): void {
    if (slot.status !== 'crashed') return;
    this.host.hash.mix(0x6000 + slot.index);
    this.host.emit({ kind: 'restart', node: slot.id });
    this.boot(slot, 'restart');
    // (Boot may have crashed it again: a crash point armed for its first step.)
    if ((slot.status as NodeStatus) === 'up') this.host.observer()?.(slot.id, 'restart', '');
  }

  pause(slot: NodeSlot): void {
    if (slot.status !== 'up') return;
    this.host.hash.mix(0x7000 + slot.index);
    slot.status = 'paused';
    this.host.roles.setLeading(slot, false);
    this.host.emit({ kind: 'pause', node: slot.id });
  }

  resume(slot: NodeSlot): void {
    if (slot.status !== 'paused') return;
    const host = this.host;
    host.hash.mix(0x8000 + slot.index);
    slot.status = 'up';
    host.roles.setLeading(slot, slot.lastRole === 'leader');
    host.emit({ kind: 'resume', node: slot.id });
    // What queued up while paused is handled now, in arrival order: timers fire late.
    const held = slot.paused;
    slot.paused = [];
    const nowUs = host.now();
    for (const ev of held) {
      ev.time = nowUs;
      host.enqueue(ev);
    }
  }

  /**
   * Sets a node's clock: jump to true time + offsetUs (when given), run at rate 1 + drift, and
   * read in steps of resolutionUs (0: exact).
   */
  setClock(slot: NodeSlot, change: { offsetUs?: number; drift?: number; resolutionUs?: number }): void {
    const host = this.host;
    const nowUs = host.now();
    const local = exactLocalTime(slot.clock, nowUs);
    const mono = monotonicTime(slot.clock, nowUs);
    const clock = slot.clock;
    if (change.resolutionUs !== undefined) {
      assert(Number.isInteger(change.resolutionUs) && change.resolutionUs >= 0, 'clock resolution must be an integer number of µs >= 0');
      clock.resolutionUs = change.resolutionUs;
      host.hash.mix(0x9800 + change.resolutionUs);
    }
    clock.anchorTrueUs = nowUs;
    clock.anchorMonoUs = mono;
    clock.anchorLocalUs = change.offsetUs !== undefined ? nowUs + change.offsetUs : local;
    if (change.drift !== undefined) {
      assert(change.drift > -1, 'clock drift must be greater than -1');
      clock.drift = change.drift;
    }
    host.hash.mix(0x9000 + slot.index);
    host.emit({ kind: 'clock', node: slot.id, offsetUs: clock.anchorLocalUs - clock.anchorTrueUs, drift: clock.drift, ...(clock.resolutionUs > 0 ? { resolutionUs: clock.resolutionUs } : {}) });
    host.clockChanged(slot);
  }

  /**
   * Makes the node's disk lie: from now on a persist becomes durable only `unsyncedUs` later, and
   * a crash loses what has not synced (0 restores an honest disk; pending writes then sync).
   */
  setDisk(slot: NodeSlot, unsyncedUs: number): void {
    assert(unsyncedUs >= 0 && Number.isFinite(unsyncedUs), 'unsynced time must be a finite number >= 0');
    this.host.hash.mix(0xa000 + slot.index);
    if (unsyncedUs === 0) {
      const nowUs = this.host.now();
      for (const w of slot.unsynced) w.syncedAtUs = nowUs;
      this.syncDisk(slot);
    }
    slot.unsyncedUs = unsyncedUs;
  }

  /**
   * Permanent node loss: the crashed node's disk is replaced by an empty one (synced and unsynced
   * writes alike), so its restart boots like a new machine with the same identity.
   */
  wipeDisk(slot: NodeSlot): void {
    assert(slot.status === 'crashed' || slot.status === 'stopped', `wipeDisk(${slot.id}): only a node that is down can lose its disk`);
    this.host.hash.mix(0xb000 + slot.index);
    slot.durable = undefined;
    slot.hasDurable = false;
    slot.unsynced = [];
    this.host.emit({ kind: 'note', node: slot.id, event: 'disk wiped', data: {} });
  }

  /** Moves every write whose time has come from the disk's cache to the disk. */
  syncDisk(slot: NodeSlot): void {
    const nowUs = this.host.now();
    let synced = 0;
    while (synced < slot.unsynced.length && slot.unsynced[synced]!.syncedAtUs <= nowUs) synced++;
    if (synced === 0) return;
    slot.durable = slot.unsynced[synced - 1]!.value;
    slot.hasDurable = true;
    slot.unsynced.splice(0, synced);
  }

  /**
   * Arms a crash inside the node's next step whose effects reach `point` (see CrashPoint);
   * `onCrash` runs right after the crash. Re-arming replaces.
   */
  armCrashPoint(slot: NodeSlot, point: CrashPoint, onCrash: (() => void) | undefined): void {
    this.host.hash.mix(0xc000 + slot.index);
    slot.crashPoint = { point, onCrash };
  }

  disarmCrashPoint(slot: NodeSlot): void {
    if (slot.crashPoint === undefined) return;
    this.host.hash.mix(0xc800 + slot.index);
    slot.crashPoint = undefined;
  }

  private boot(slot: NodeSlot, how: 'start' | 'restart'): void {
    slot.status = 'up';
    slot.incarnation++;
    slot.timers.clear();
    this.syncDisk(slot);
    const kind = how === 'start' ? STEP_INIT : STEP_REINIT;
    const durable = slot.hasDurable ? clonePlain(slot.durable) : undefined;
    if (slot.hasDurable) {
      // What a node recovers decides what it does next: it feeds the hash (see traceHash).
      try {
        this.host.hash.mix(this.host.values.hash(durable));
      } catch (error) {
        this.host.unreadable(slot, kind, `its persisted value cannot be read back: ${(error as Error).message}`);
        return;
      }
    }
    this.host.init(slot, kind, durable);
  }
}
