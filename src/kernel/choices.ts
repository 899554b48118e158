/**
 * Explicit choices. `Simulation.run` takes the earliest pending event every time: the seeded
 * chooser, whose choices were drawn when each message was routed (delay, loss, duplication). A
 * driver that chooses itself (dsim explore, or a recorded choice log replayed) asks which events
 * are pending and fires the one it picks, at the time it picks (never before now); it may also
 * drop or duplicate a pending message. Handlers, effects, invariants and the trace hash are
 * exactly those of `run`. Nothing here is on `run`'s path.
 */
import { assert } from '../core/assert.js';
import { DROP_LOSS } from '../network/network.js';
import type { TraceHash } from '../trace/hash.js';
import type { DropReason } from '../trace/events.js';
import type { NodeSlot, TimerRecord } from './node-slot.js';
import { EventKind, type EventQueue, type SimEvent } from './queue.js';
import type { SimStats, TraceEventInput } from './types.js';

/** What the choice driver needs from the kernel. */
export interface ChoicesHost {
  readonly queue: EventQueue;
  readonly slots: readonly NodeSlot[];
  readonly stats: SimStats;
  readonly hash: TraceHash;
  tracing(): boolean;
  stopped(): boolean;
  now(): number;
  setNow(nowUs: number): void;
  /** Counts one processed event (false: the event budget is exceeded and the run stops). */
  countEvent(): boolean;
  dispatch(ev: SimEvent): void;
  drop(ev: SimEvent, reason: DropReason): void;
  /** A copy of an event that outlives its queue slot. */
  detach(ev: SimEvent): SimEvent;
  enqueue(ev: SimEvent): void;
  emit(event: TraceEventInput): void;
  endpointName(endpoint: number): string;
}

export class ChoiceDriver {
  constructor(private readonly host: ChoicesHost) {}

  /**
   * The events that may happen next, in no particular order (the queue's own array: read it
   * before firing, dropping or duplicating anything). Timer events that stand for a timer since
   * cancelled, re-armed or lost in a crash are removed first, so each armed timer appears once.
   */
  choosable(): readonly SimEvent[] {
    const queue = this.host.queue;
    let stale: SimEvent[] | undefined;
    for (const ev of queue.entries()) if (ev.kind === EventKind.Timer && this.liveTimer(ev) === undefined) (stale ??= []).push(ev);
    if (stale !== undefined) {
      for (const ev of stale) {
        queue.remove(ev);
        queue.recycle(ev);
      }
    }
    return queue.entries();
  }

  /** When a pending timer event is due (its timer may have been re-armed since it was queued). */
  timerDueUs(ev: SimEvent): number {
    const timer = this.liveTimer(ev);
    assert(timer !== undefined, 'timerDueUs: not a live timer event');
    return timer.dueUs;
  }

  /**
   * Processes the pending event `ev` now, with the clock moved to `atUs` (at least now): a
   * delivery, a timer firing, a reply to a client, as `run` would when its turn came.
   */
  fire(ev: SimEvent, atUs: number): void {
    const host = this.host;
    assert(!host.stopped(), 'fire: the run has stopped');
    assert(atUs >= host.now(), 'fire: time cannot go backwards');
    if (!host.queue.remove(ev)) throw new Error('fire: the event is not pending');
    if (ev.kind === EventKind.Timer) {
      const timer = this.liveTimer(ev);
      // Fire it rather than let it move itself to a later deadline: the driver chose this moment.
      if (timer !== undefined) {
        ev.time = timer.dueUs;
        ev.seq = timer.seq;
      }
    }
    host.setNow(atUs);
    if (!host.countEvent()) return;
    host.hash.mix(atUs);
    host.hash.mix((ev.kind << 24) ^ ev.target);
    host.dispatch(ev);
    host.queue.recycle(ev);
  }

  /** Loses the pending message, request or reply `ev` in the network (counted as a loss). */
  discard(ev: SimEvent): void {
    assert(ev.kind === EventKind.Message || ev.kind === EventKind.Request || ev.kind === EventKind.Reply, 'discard: only messages can be lost');
    const host = this.host;
    if (!host.queue.remove(ev)) throw new Error('discard: the event is not pending');
    host.hash.mix(DROP_LOSS);
    host.drop(ev, 'loss');
    host.queue.recycle(ev);
  }

  /** Delivers a second copy of the pending message `ev` (it may arrive before or after the first). */
  duplicate(ev: SimEvent): void {
    assert(ev.kind === EventKind.Message || ev.kind === EventKind.Request || ev.kind === EventKind.Reply, 'duplicate: only messages can be duplicated');
    const host = this.host;
    const copy = host.detach(ev);
    copy.time = Math.max(host.now(), ev.time);
    host.stats.messagesDuplicated++;
    host.hash.mix(0xd000 + ev.target);
    if (host.tracing()) {
      host.emit({ kind: 'send', from: host.endpointName(ev.source), to: host.endpointName(ev.target), id: ev.id, msg: ev.payload, copies: 2 });
    }
    host.enqueue(copy);
  }

  /** The timers armed on a node: name and when each is due (true time, µs), in the order they were first set. */
  armedTimers(slot: NodeSlot): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [name, timer] of slot.timers) if (timer.armed) out.push([name, timer.dueUs]);
    return out;
  }

  /** The timer a queued timer event stands for, if it still does; a cancelled one is forgotten. */
  private liveTimer(ev: SimEvent): TimerRecord | undefined {
    const slot = this.host.slots[ev.target]!;
    if (ev.epoch !== slot.incarnation) return undefined;
    const timer = slot.timers.get(ev.payload as string);
    if (timer === undefined || timer.token !== ev.id) return undefined;
    if (!timer.armed) {
      timer.token = 0; // cancelled: as dispatch would find it
      return undefined;
    }
    return timer;
  }
}
