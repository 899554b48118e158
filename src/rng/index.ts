/**
 * Seeded random streams. One named algorithm (seedrandom's Alea: fast, 2^116 period, good
 * statistical quality for simulation) and one rule: every subsystem and every node draws from its
 * own stream, forked by name from the run's root. A fork depends only on the root seed and the
 * path of names, never on how much any other stream was used, so adding a node or a fault does
 * not shift the draws of the others.
 */
import seedrandom from 'seedrandom';

export const RNG_ALGORITHM = 'alea';

export class Rng {
  private readonly draw: () => number;

  private constructor(readonly path: string) {
    this.draw = seedrandom.alea(path);
  }

  /** The root stream of a run. */
  static root(seed: number | string): Rng {
    return new Rng(`dsim:${String(seed)}`);
  }

  /** An independent child stream, identified by `name` under this stream's path. */
  fork(name: string): Rng {
    return new Rng(`${this.path}/${name}`);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.draw() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  intBetween(lo: number, hi: number): number {
    return lo + Math.floor(this.draw() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.draw() < p;
  }

  /** Exponentially distributed with the given mean. */
  exponential(mean: number): number {
    // 1 - u is in (0, 1], so the log is finite.
    return -mean * Math.log(1 - this.draw());
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** A uniformly shuffled copy (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** A 32-bit unsigned integer, for deriving seeds. */
  uint32(): number {
    return Math.floor(this.draw() * 0x1_0000_0000) >>> 0;
  }
}
