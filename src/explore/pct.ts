/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and Nagarakatte, ASPLOS
 * 2010), over the choices of runner/choices.ts. One run:
 *
 * - Each "thread" gets a random priority when it first has something to do. A thread is a link
 *   (its messages, requests or replies from one endpoint to another, delivered in send order), one
 *   arming of a timer (a firing re-arms it as a new thread with a new priority: a node's timer as
 *   one thread, once on top, fired again and again and spent the runs' timer firings at once), or
 *   a scripted client (its invocations; the node it asks is drawn).
 * - At every step the highest-priority thread with an enabled choice takes it.
 * - d-1 change points are drawn among the run's k steps; at change point j the thread about to
 *   run drops to priority d-j, below every initial priority, and the highest is taken again.
 * - Faults are not threads: each crash, drop and duplicate the scenario allows happens at a step
 *   drawn uniformly among the k (a node or message drawn among those enabled then).
 *
 * The guarantee (the paper's Theorem 3): a bug that needs d ordering constraints among events of
 * different threads (its depth) is found by one run with probability at least 1/(n k^(d-1)), for
 * n threads and k steps; r runs miss it with probability at most (1 - 1/(n k^(d-1)))^r. It holds
 * for the schedules PCT draws from: each link in send order, so with faults drawn as above.
 */
import type { Rng } from '../rng/index.js';
import type { Choice } from '../runner/choices.js';

/** The thread a choice belongs to, or undefined for a fault (crash, drop, duplicate). */
function threadOf(choice: Choice): string | undefined {
  switch (choice.kind) {
    case 'invoke':
    case 'resend':
      return `client ${choice.client!}`;
    case 'deliver':
      return `link ${choice.event!.source}>${choice.event!.target}`;
    case 'timer':
      return `timer ${choice.event!.id}`;
    case 'crash':
    case 'drop':
    case 'duplicate':
    case 'faults-stop':
      return undefined;
  }
}

/** One PCT run's scheduler: pick(world, step) chooses the index of the choice to take. */
export class PctScheduler {
  private readonly priority = new Map<string, number>();
  /** Step index -> change point number j (1..d-1). */
  private readonly changeAt = new Map<number, number>();
  /** Faults still to inject, each from a drawn step on (at the first step one of its kind is enabled). */
  private readonly faults: Array<{ readonly at: number; readonly kind: 'crash' | 'drop' | 'duplicate' }> = [];
  private readonly depth: number;

  constructor(
    private readonly rng: Rng,
    options: {
      /** The bug depth d the run aims at (d-1 change points). */
      readonly depth: number;
      /** Steps in a run, k (change points and faults are drawn among them). */
      readonly steps: number;
      readonly faults: { readonly crash: number; readonly drop: number; readonly duplicate: number };
    },
  ) {
    const d = options.depth;
    const k = Math.max(1, options.steps);
    for (let j = 1; j < d && this.changeAt.size < k; j++) {
      let at = rng.int(k);
      while (this.changeAt.has(at)) at = (at + 1) % k;
      this.changeAt.set(at, j);
    }
    for (const kind of ['crash', 'drop', 'duplicate'] as const) for (let f = 0; f < options.faults[kind]; f++) this.faults.push({ at: rng.int(k), kind });
    this.depth = d;
  }

  /** The index in `choices` of the choice taken at `step`, or -1 when nothing is enabled. */
  pick(choices: readonly Choice[], step: number): number {
    if (choices.length === 0) return -1;
    for (let f = 0; f < this.faults.length; f++) {
      const fault = this.faults[f]!;
      if (fault.at > step) continue;
      const enabled = choices.flatMap((c, i) => (c.kind === fault.kind ? [i] : []));
      if (enabled.length === 0) continue;
      this.faults.splice(f, 1);
      return enabled[this.rng.int(enabled.length)]!;
    }
    // Each thread's next choice: a link's oldest message; a client's invocation at a drawn node.
    const heads = new Map<string, number[]>();
    choices.forEach((choice, i) => {
      const thread = threadOf(choice);
      if (thread === undefined) return;
      const list = heads.get(thread);
      if (list === undefined) heads.set(thread, [i]);
      else list.push(i);
    });
    if (heads.size === 0) return -1;
    for (const thread of heads.keys()) if (!this.priority.has(thread)) this.priority.set(thread, this.depth + this.rng.next());
    let best = this.highest(heads);
    const change = this.changeAt.get(step);
    if (change !== undefined) {
      this.priority.set(best, this.depth - change);
      best = this.highest(heads);
    }
    const candidates = heads.get(best)!;
    const first = choices[candidates[0]!]!;
    if (first.kind === 'invoke') return candidates[this.rng.int(candidates.length)]!;
    if (first.kind === 'deliver') return candidates.reduce((a, b) => (choices[b]!.event!.id < choices[a]!.event!.id ? b : a));
    return candidates[0]!;
  }

  private highest(heads: ReadonlyMap<string, number[]>): string {
    let best: string | undefined;
    for (const thread of heads.keys()) if (best === undefined || this.priority.get(thread)! > this.priority.get(best)!) best = thread;
    return best!;
  }

  /** Threads seen so far (n of the guarantee, for this run). */
  get threads(): number {
    return this.priority.size;
  }
}
