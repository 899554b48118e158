/**
 * What a hand-written event loop is made of, shared by the kernel benchmark's baselines
 * (kernel.ts, kernel-step.ts): a binary heap ordered by (time, seq), xorshift32 draws (also the
 * isolation bench's history generator), and the process's CPU time.
 */

/** CPU time of this process (user + system), ms: on a shared machine, wall time measures the neighbours. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** xorshift32 in [0, 1): as cheap a seeded generator as exists, so a baseline is a real floor. */
export function xorshift32(seed: number): () => number {
  let state = seed | 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/** A binary min-heap of events by (time, seq). */
export class BareHeap<E extends { time: number; seq: number }> {
  private readonly items: E[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): E | undefined {
    return this.items[0];
  }

  push(e: E): void {
    const heap = this.items;
    let i = heap.length;
    heap.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(heap[p]!, e)) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = e;
  }

  pop(): E | undefined {
    const heap = this.items;
    const top = heap[0];
    const last = heap.pop();
    const n = heap.length;
    if (n > 0 && last !== undefined) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
        if (less(last, heap[c]!)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return top;
  }
}

function less(a: { time: number; seq: number }, b: { time: number; seq: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
