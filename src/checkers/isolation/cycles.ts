/**
 * Shortest cycles of a given shape inside one strongly connected component.
 *
 * A shape says which edge kinds may be used and what the cycle must contain: no, exactly one, or
 * at least two anti-dependencies (rw); at least one wr; at least one process or real-time edge.
 * Breadth-first search runs over (node, progress) states — progress counts rw edges (0, 1, 2+)
 * and remembers whether a wr and an order edge were used — so the first return to the start in an
 * accepting state is the shortest such cycle through that start. Starts are tried in order until
 * the component's step budget runs out or a two-transaction cycle (the shortest possible) is found.
 * An edge carrying a data dependency counts as that dependency, never as process or real-time order.
 */
import { PO, RT, RW, WR, WW, type Graph } from './graph.js';

export interface CycleShape {
  /** Edge kinds the cycle may use. */
  readonly allowed: number;
  readonly rw: 'none' | 'one' | 'two-or-more' | 'any';
  readonly needWr: boolean;
  /** At least one process or real-time edge. */
  readonly needOrder: boolean;
}

/** A cycle as its steps: step i goes from nodes[i] to nodes[(i + 1) % length] by `kinds[i]` (one bit). */
export interface Cycle {
  readonly nodes: readonly number[];
  readonly kinds: readonly number[];
}

const STATES = 12; // rw count (3) × wr seen (2) × order edge seen (2)
/** The kind chosen for an edge that carries several, when they lead to the same progress. */
const PREFERENCE = [WW, WR, RW, PO, RT];
const DATA = WW | WR | RW;

function accepts(shape: CycleShape, sub: number): boolean {
  const rwCount = sub % 3;
  const wr = Math.floor(sub / 3) % 2;
  const order = Math.floor(sub / 6);
  if (shape.needWr && wr === 0) return false;
  if (shape.needOrder && order === 0) return false;
  switch (shape.rw) {
    case 'none':
      return rwCount === 0;
    case 'one':
      return rwCount === 1;
    case 'two-or-more':
      return rwCount === 2;
    case 'any':
      return true;
  }
}

/** The progress after taking an edge of kind `bit`, or -1 when the shape forbids it. */
function advance(shape: CycleShape, sub: number, bit: number): number {
  let rwCount = sub % 3;
  let wr = Math.floor(sub / 3) % 2;
  let order = Math.floor(sub / 6);
  if (bit === RW) {
    if (shape.rw === 'none' || (shape.rw === 'one' && rwCount === 1)) return -1;
    rwCount = Math.min(2, rwCount + 1);
  } else if (bit === WR) wr = 1;
  else if (bit === PO || bit === RT) order = 1;
  return rwCount + 3 * wr + 6 * order;
}

/**
 * Reusable search buffers for one graph: components are searched one after another, so the
 * per-node arrays are allocated once and only the touched entries are reset.
 */
export class CycleSearcher {
  private readonly local: Int32Array;
  private stamp: Int32Array = new Int32Array(0);
  private parent: Int32Array = new Int32Array(0);
  private parentKind: Uint8Array = new Uint8Array(0);
  private queue: Int32Array = new Int32Array(0);
  private generation = 0;
  /** The component being searched: local index → node. */
  private members: readonly number[] = [];
  /** Transitions looked at, over every search. */
  steps = 0;

  constructor(private readonly graph: Graph) {
    this.local = new Int32Array(graph.nodes).fill(-1);
  }

  /**
   * The shortest cycle of this shape found in the component within `budget` steps, or undefined.
   * `members` are the component's nodes; edges leaving it are ignored.
   */
  find(members: readonly number[], shape: CycleShape, budget: number): Cycle | undefined {
    const m = members.length;
    this.members = members;
    members.forEach((node, i) => (this.local[node] = i));
    try {
      if (this.stamp.length < m * STATES) {
        const size = m * STATES;
        this.stamp = new Int32Array(size);
        this.parent = new Int32Array(size);
        this.parentKind = new Uint8Array(size);
        this.queue = new Int32Array(size);
        this.generation = 0;
      }
      const starts = this.starts(members, shape);
      let best: Cycle | undefined;
      let spent = 0;
      for (const start of starts) {
        // Always complete the first search: in a component strongly connected by the allowed
        // kinds it cannot fail, so every such component yields a cycle whatever the budget.
        if (best !== undefined && spent >= budget) break;
        const found = this.bfs(start, shape, best === undefined ? Infinity : best.nodes.length - 1);
        spent += found.steps;
        if (found.cycle !== undefined) best = found.cycle;
        if (best !== undefined && best.nodes.length === 2) break;
        if (best === undefined && spent >= budget) break;
      }
      return best;
    } finally {
      for (const node of members) this.local[node] = -1;
    }
  }

  /** Nodes a cycle of this shape must pass through: sources of a required kind, else all. */
  private starts(members: readonly number[], shape: CycleShape): number[] {
    const need = shape.rw === 'one' || shape.rw === 'two-or-more' ? RW : shape.needOrder ? PO | RT : shape.needWr ? WR : 0;
    if (need === 0) return [...members];
    const { offsets, targets, kinds } = this.graph;
    return members.filter((v) => {
      for (let e = offsets[v]!; e < offsets[v + 1]!; e++) if ((kinds[e]! & need & shape.allowed) !== 0 && this.local[targets[e]!]! >= 0) return true;
      return false;
    });
  }

  /** Shortest cycle through `start` no longer than `maxLength` steps. */
  private bfs(start: number, shape: CycleShape, maxLength: number): { cycle?: Cycle; steps: number } {
    const { offsets, targets, kinds } = this.graph;
    const local = this.local;
    const gen = ++this.generation;
    const stamp = this.stamp;
    const queue = this.queue;
    let head = 0;
    let tail = 0;
    const startState = local[start]! * STATES;
    stamp[startState] = gen;
    queue[tail++] = startState;
    let steps = 0;
    let depthEnd = tail;
    let depth = 0;
    while (head < tail) {
      if (head === depthEnd) {
        depth++;
        depthEnd = tail;
      }
      if (depth + 1 > maxLength) break;
      const state = queue[head++]!;
      const sub = state % STATES;
      const node = this.nodeAt(Math.floor(state / STATES));
      for (let e = offsets[node]!; e < offsets[node + 1]!; e++) {
        const target = targets[e]!;
        const t = local[target]!;
        if (t < 0) continue;
        let mask = kinds[e]! & shape.allowed;
        if (mask === 0) continue;
        // An edge that is a data dependency is taken as one (as Elle does): order alone closes a
        // cycle only on an edge that carries no data dependency, so a cycle that does not need
        // process or real-time order is never reported as one that does.
        if ((mask & DATA) !== 0) mask &= DATA;
        steps++;
        for (const bit of PREFERENCE) {
          if ((mask & bit) === 0) continue;
          const next = advance(shape, sub, bit);
          if (next < 0) continue;
          if (target === start) {
            if (accepts(shape, next)) {
              this.steps += steps;
              return { cycle: this.unwind(state, start, bit), steps };
            }
            continue;
          }
          const nextState = t * STATES + next;
          if (stamp[nextState] === gen) continue;
          stamp[nextState] = gen;
          this.parent[nextState] = state;
          this.parentKind[nextState] = bit;
          queue[tail++] = nextState;
        }
      }
    }
    this.steps += steps;
    return { steps };
  }

  private nodeAt(localIndex: number): number {
    return this.members[localIndex]!;
  }

  private unwind(lastState: number, start: number, closingKind: number): Cycle {
    const nodes: number[] = [];
    const steps: number[] = [closingKind];
    let state = lastState;
    const startState = this.local[start]! * STATES;
    while (state !== startState) {
      nodes.push(this.nodeAt(Math.floor(state / STATES)));
      steps.push(this.parentKind[state]!);
      state = this.parent[state]!;
    }
    nodes.push(start);
    nodes.reverse();
    steps.reverse();
    return { nodes, kinds: steps };
  }
}
