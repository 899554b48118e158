/**
 * The dependency graph over transactions: nodes are transaction indexes, and an edge carries a
 * bit set of the dependency kinds that justify it (Adya's ww, wr, rw; process and real-time order).
 * Built once in compressed sparse rows (one offsets array, one targets array, one kinds array), so
 * the searches walk typed arrays and a 100,000-transaction history stays a few megabytes.
 */

export const WW = 1;
export const WR = 2;
export const RW = 4;
/** Process order: both ran on one process, in this order. */
export const PO = 8;
/** Real-time order: the first completed before the second was invoked. */
export const RT = 16;

export type EdgeKind = 'ww' | 'wr' | 'rw' | 'process' | 'realtime';

export const KIND_BITS: ReadonlyArray<readonly [EdgeKind, number]> = [
  ['ww', WW],
  ['wr', WR],
  ['rw', RW],
  ['process', PO],
  ['realtime', RT],
];

export function kindOfBit(bit: number): EdgeKind {
  const found = KIND_BITS.find(([, b]) => b === bit);
  if (found === undefined) throw new Error(`not a single edge kind: ${bit}`);
  return found[0];
}

/** Collects edges in any order, duplicates allowed; `build` merges them. */
export class GraphBuilder {
  private from: Int32Array;
  private to: Int32Array;
  private kinds: Uint8Array;
  private count = 0;

  constructor(readonly nodes: number) {
    const initial = Math.max(16, nodes * 4);
    this.from = new Int32Array(initial);
    this.to = new Int32Array(initial);
    this.kinds = new Uint8Array(initial);
  }

  get edges(): number {
    return this.count;
  }

  add(from: number, to: number, kind: number): void {
    if (from === to) return; // dependency graphs have no self-edges: a txn may see its own writes
    if (from >= 1 << 26 || to >= 1 << 26) throw new Error('more than 67 million transactions');
    if (this.count === this.from.length) this.grow();
    this.from[this.count] = from;
    this.to[this.count] = to;
    this.kinds[this.count] = kind;
    this.count++;
  }

  private grow(): void {
    const size = this.from.length * 2;
    const from = new Int32Array(size);
    const to = new Int32Array(size);
    const kinds = new Uint8Array(size);
    from.set(this.from);
    to.set(this.to);
    kinds.set(this.kinds);
    this.from = from;
    this.to = to;
    this.kinds = kinds;
  }

  /** Compressed rows, each row's targets sorted and parallel edges merged into one kind set. */
  build(): Graph {
    const n = this.nodes;
    const counts = new Int32Array(n + 1);
    for (let e = 0; e < this.count; e++) counts[this.from[e]! + 1]!++;
    for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
    const cursor = counts.slice(0, n);
    const targets = new Int32Array(this.count);
    const kinds = new Uint8Array(this.count);
    for (let e = 0; e < this.count; e++) {
      const slot = cursor[this.from[e]!]!++;
      targets[slot] = this.to[e]!;
      kinds[slot] = this.kinds[e]!;
    }
    // Sort each row by target and merge duplicates. Most rows are short (insertion sort); a long
    // one (a read of the initial state before many writes) is sorted packed as target·32 + kind.
    const offsets = new Int32Array(n + 1);
    let write = 0;
    for (let i = 0; i < n; i++) {
      const start = counts[i]!;
      const end = counts[i + 1]!;
      if (end - start > 32) {
        const packed = new Int32Array(end - start);
        for (let a = start; a < end; a++) packed[a - start] = targets[a]! * 32 + kinds[a]!;
        packed.sort();
        for (let a = start; a < end; a++) {
          targets[a] = packed[a - start]! >> 5;
          kinds[a] = packed[a - start]! & 31;
        }
      }
      for (let a = start + 1; a < end && end - start <= 32; a++) {
        const t = targets[a]!;
        const k = kinds[a]!;
        let b = a - 1;
        while (b >= start && targets[b]! > t) {
          targets[b + 1] = targets[b]!;
          kinds[b + 1] = kinds[b]!;
          b--;
        }
        targets[b + 1] = t;
        kinds[b + 1] = k;
      }
      offsets[i] = write;
      for (let a = start; a < end; a++) {
        if (write > offsets[i]! && targets[write - 1] === targets[a]) kinds[write - 1]! |= kinds[a]!;
        else {
          targets[write] = targets[a]!;
          kinds[write] = kinds[a]!;
          write++;
        }
      }
    }
    offsets[n] = write;
    return new Graph(n, offsets, targets.slice(0, write), kinds.slice(0, write));
  }
}

export class Graph {
  constructor(
    readonly nodes: number,
    /** Row i's edges are at [offsets[i], offsets[i+1]). */
    readonly offsets: Int32Array,
    readonly targets: Int32Array,
    readonly kinds: Uint8Array,
  ) {}

  get edgeCount(): number {
    return this.targets.length;
  }

  /** The kind bits of the edge from → to, 0 when there is none. */
  kindsOf(from: number, to: number): number {
    let lo = this.offsets[from]!;
    let hi = this.offsets[from + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const t = this.targets[mid]!;
      if (t === to) return this.kinds[mid]!;
      if (t < to) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** How many edges carry each kind. */
  countByKind(): Record<EdgeKind, number> {
    const byBit = new Float64Array(32);
    for (let e = 0; e < this.kinds.length; e++) byBit[this.kinds[e]!]!++;
    const out = { ww: 0, wr: 0, rw: 0, process: 0, realtime: 0 } as Record<EdgeKind, number>;
    for (let mask = 1; mask < 32; mask++) for (const [name, bit] of KIND_BITS) if ((mask & bit) !== 0) out[name] += byBit[mask]!;
    return out;
  }
}

/**
 * Strongly connected components (Tarjan), iteratively so a long chain cannot overflow the stack,
 * over the edges whose kinds intersect `mask`. Returns each node's component id and the
 * components with more than one node (only those can hold a cycle: there are no self-edges).
 */
export function stronglyConnected(graph: Graph, mask: number): { readonly component: Int32Array; readonly cyclic: number[][] } {
  const n = graph.nodes;
  const { offsets, targets, kinds } = graph;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const component = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let stackTop = 0;
  // The DFS call stack: a node and the next edge of its row to look at.
  const callNode = new Int32Array(n);
  const callEdge = new Int32Array(n);
  let nextIndex = 0;
  let components = 0;
  const cyclic: number[][] = [];

  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    let depth = 0;
    callNode[0] = root;
    callEdge[0] = offsets[root]!;
    index[root] = low[root] = nextIndex++;
    stack[stackTop++] = root;
    onStack[root] = 1;
    while (depth >= 0) {
      const v = callNode[depth]!;
      const end = offsets[v + 1]!;
      let e = callEdge[depth]!;
      let descended = false;
      while (e < end) {
        const w = targets[e]!;
        const k = kinds[e]!;
        e++;
        if ((k & mask) === 0) continue;
        if (index[w] === -1) {
          callEdge[depth] = e;
          depth++;
          callNode[depth] = w;
          callEdge[depth] = offsets[w]!;
          index[w] = low[w] = nextIndex++;
          stack[stackTop++] = w;
          onStack[w] = 1;
          descended = true;
          break;
        }
        if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
      }
      if (descended) continue;
      // v is finished.
      if (low[v] === index[v]) {
        const members: number[] = [];
        let w: number;
        do {
          w = stack[--stackTop]!;
          onStack[w] = 0;
          component[w] = components;
          members.push(w);
        } while (w !== v);
        if (members.length > 1) cyclic.push(members.sort((a, b) => a - b));
        components++;
      }
      depth--;
      if (depth >= 0) {
        const parent = callNode[depth]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
    }
  }
  return { component, cyclic };
}
