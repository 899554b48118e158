/**
 * The event queue: a binary min-heap ordered by (time, sequence). The sequence number is assigned
 * at insertion (or reserved earlier, for timers re-armed lazily) and is unique, so ties in time break by insertion order and the order of events
 * depends on nothing but the run. Events are recycled through a free list: a long run allocates
 * only as many event objects as it ever has pending at once.
 */
import { assert } from '../core/assert.js';

/** What a queued event does. Small integers: compared on every event. */
export const EventKind = {
  /** Node -> node protocol message. */
  Message: 0,
  /** Client -> node request. */
  Request: 1,
  /** Node -> client reply. */
  Reply: 2,
  /** A node's timer. */
  Timer: 3,
  /** A control callback (faults, workload, phases). */
  Call: 4,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export class SimEvent {
  time = 0;
  seq = 0;
  kind: EventKind = EventKind.Call;
  /** Receiving endpoint (node index or client endpoint). */
  target = 0;
  /** Sending endpoint, or -1. */
  source = -1;
  /** Message, request, reply, timer name or callback. */
  payload: unknown = undefined;
  /** Message id for trace arrows; timer token. */
  id = 0;
  /** Link cut epoch at send; node incarnation for timers. */
  epoch = 0;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private free: SimEvent[] = [];
  private nextSeq = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.heap.length;
  }

  /** A fresh (or recycled) event; fill it and `push` it. */
  obtain(): SimEvent {
    return this.free.pop() ?? new SimEvent();
  }

  /** Returns false when the queue is full (the caller turns that into a finding). */
  push(event: SimEvent): boolean {
    if (this.heap.length >= this.capacity) return false;
    event.seq = this.nextSeq++;
    this.siftUp(event);
    return true;
  }

  /**
   * Takes the next sequence number now for an event pushed later with `pushReserved`: the event
   * then sorts among events of its time as if it had been pushed at the moment of reservation.
   */
  reserveSeq(): number {
    return this.nextSeq++;
  }

  /** Pushes an event with a sequence number taken earlier by `reserveSeq`. */
  pushReserved(event: SimEvent, seq: number): boolean {
    if (this.heap.length >= this.capacity) return false;
    event.seq = seq;
    this.siftUp(event);
    return true;
  }

  private siftUp(event: SimEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    const time = event.time;
    const seq = event.seq;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.time < time || (parent.time === time && parent.seq < seq)) break;
      heap[i] = parent;
      i = parentIndex;
    }
    heap[i] = event;
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      // `last` takes the root's place and sinks to where it belongs.
      heap[0] = last;
      this.siftDownFrom(0);
    }
    return top;
  }

  /**
   * The pending events, in heap order (not time order): for drivers that choose which event comes
   * next (dsim explore). The array is the queue's own: do not keep it across a push or remove.
   */
  entries(): readonly SimEvent[] {
    return this.heap;
  }

  /**
   * Takes a pending event out of the queue, wherever it is: O(n) to find it, then the heap is
   * repaired. Only drivers that choose events use it (their queues are small); `run` never does.
   * Returns false when the event is not queued.
   */
  remove(event: SimEvent): boolean {
    const heap = this.heap;
    const i = heap.indexOf(event);
    if (i < 0) return false;
    const last = heap.pop()!;
    if (i === heap.length) return true;
    // The last event takes the hole; it may belong above it or below it.
    heap[i] = last;
    let j = this.siftDownFrom(i);
    while (j > 0) {
      const parentIndex = (j - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.time < last.time || (parent.time === last.time && parent.seq < last.seq)) break;
      heap[j] = parent;
      heap[parentIndex] = last;
      j = parentIndex;
    }
    return true;
  }

  /** Restores the heap below index i (the event at i may be too late for its place); returns where it went. */
  private siftDownFrom(i: number): number {
    const heap = this.heap;
    const n = heap.length;
    const moving = heap[i]!;
    while (true) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      let c = heap[left]!;
      if (right < n) {
        const r = heap[right]!;
        if (r.time < c.time || (r.time === c.time && r.seq < c.seq)) {
          child = right;
          c = r;
        }
      }
      if (moving.time < c.time || (moving.time === c.time && moving.seq < c.seq)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = moving;
    return i;
  }

  /** Returns a processed event to the free list. */
  recycle(event: SimEvent): void {
    event.payload = undefined;
    if (this.free.length < 65_536) this.free.push(event);
  }

  /** Kernel invariant: the heap property holds (tests and debug only; O(n)). */
  checkHeap(): void {
    const heap = this.heap;
    for (let i = 1; i < heap.length; i++) {
      const p = heap[(i - 1) >> 1]!;
      const c = heap[i]!;
      assert(p.time < c.time || (p.time === c.time && p.seq < c.seq), `heap order broken at ${i}`);
    }
  }
}
