/**
 * Coverage feedback (greybox fuzzing of distributed systems, after Mallory, CCS 2023): every run
 * reports the abstract protocol behaviours it reached (coverage.ts); a run that reached one no
 * earlier run had keeps its genome in the corpus; later runs are, half of the time, mutants of a
 * corpus entry (mutate.ts) rather than fresh draws, with entries that hold rare behaviours chosen
 * more often.
 *
 * Deterministic for a campaign seed, and independent of the number of workers: runs are planned in
 * batches of BATCH_RUNS, each batch from the corpus as it stood when the previous batch had been
 * consumed in run order. Workers only decide how fast a batch runs, never what it contains.
 */
import fc from 'fast-check';
import { Rng } from '../rng/index.js';
import { genomeArbitrary, type FuzzSetup, type ScenarioGenome } from './arbitraries.js';
import { COVERAGE_SIZE } from './coverage.js';
import { mutateGenome } from './mutate.js';

/** Runs planned together from one corpus state. */
export const BATCH_RUNS = 16;
/** Share of runs that mutate a corpus entry once there is one. */
const MUTANT_SHARE = 0.5;
/** Most entries kept; beyond it the entry with the fewest features of its own is dropped. */
const MAX_ENTRIES = 2_000;

export interface CorpusEntry {
  /** Order of addition (stable across a save and a load). */
  readonly id: number;
  readonly genome: ScenarioGenome;
  /** Coverage features the run reached (indexes into the coverage map). */
  readonly features: readonly number[];
  /** The campaign seed and run index that found it. */
  readonly foundBy: { readonly seed: number; readonly index: number };
  /** How many children it had. */
  picks: number;
}

/** What a run is built from: a fresh draw from its seed, or a mutant of a corpus entry. */
export type RunPlan =
  | { readonly kind: 'fresh' }
  | { readonly kind: 'mutant'; readonly genome: ScenarioGenome; readonly parent: number; readonly mutations: readonly string[] };

export class Corpus {
  readonly entries: CorpusEntry[] = [];
  /** Runs (counted once each) that reached each feature. */
  private readonly hits = new Uint32Array(COVERAGE_SIZE);
  private nextId = 0;
  /** Distinct features reached so far. */
  covered = 0;

  /** Records a run's features; keeps its genome when it reached a feature no run had. Returns whether it did. */
  consider(run: { readonly genome?: ScenarioGenome | undefined; readonly features?: readonly number[] | undefined; readonly seed: number; readonly index: number }): boolean {
    const features = run.features ?? [];
    let fresh = 0;
    for (const f of features) {
      if (this.hits[f] === 0) fresh++;
      this.hits[f] = Math.min(0xffffffff, this.hits[f]! + 1);
    }
    this.covered += fresh;
    if (fresh === 0 || run.genome === undefined) return false;
    this.add({ id: this.nextId, genome: run.genome, features: [...features], foundBy: { seed: run.seed, index: run.index }, picks: 0 });
    return true;
  }

  /** Adds an entry as loaded from a corpus directory (its features count as reached). */
  load(entry: Omit<CorpusEntry, 'picks' | 'id'> & { readonly id?: number }): void {
    for (const f of entry.features) {
      if (this.hits[f] === 0) this.covered++;
      this.hits[f]! += 1;
    }
    this.add({ ...entry, id: entry.id ?? this.nextId, picks: 0 });
  }

  private add(entry: CorpusEntry): void {
    this.entries.push(entry);
    this.nextId = Math.max(this.nextId, entry.id + 1);
    if (this.entries.length > MAX_ENTRIES) {
      // Bounded: drop the entry whose features are the most common (it adds the least).
      let worst = 0;
      let worstScore = Infinity;
      for (let i = 0; i < this.entries.length; i++) {
        const score = this.rarity(this.entries[i]!);
        if (score < worstScore) [worst, worstScore] = [i, score];
      }
      this.entries.splice(worst, 1);
    }
  }

  /** Rare features weigh more: a feature n runs reached counts 1/n. */
  private rarity(entry: CorpusEntry): number {
    let score = 0;
    for (const f of entry.features) score += 1 / Math.max(1, this.hits[f]!);
    return score;
  }

  /**
   * Plans the runs `indexes` (one batch): each fresh or a mutant. Call once per batch, after every
   * earlier batch was considered, in run order.
   */
  planBatch(setup: FuzzSetup, campaignSeed: number, indexes: readonly number[], limits: { readonly maxFaults: number; readonly maxOperators: number }): RunPlan[] {
    if (this.entries.length === 0) return indexes.map(() => ({ kind: 'fresh' }));
    const weights = this.entries.map((e) => this.rarity(e) / (1 + e.picks));
    const total = weights.reduce((a, b) => a + b, 0);
    return indexes.map((index) => {
      const rng = Rng.root(`${campaignSeed}/plan/${index}`);
      if (!rng.chance(MUTANT_SHARE)) return { kind: 'fresh' };
      let x = rng.next() * total;
      let pick = 0;
      while (pick < weights.length - 1 && x >= weights[pick]!) x -= weights[pick++]!;
      const parent = this.entries[pick]!;
      parent.picks++;
      const [fresh] = fc.sample(genomeArbitrary(setup), { seed: rng.int(0x7fffffff), numRuns: 1 });
      const child = mutateGenome(parent.genome, fresh!, rng.fork('mutate'), limits);
      return { kind: 'mutant', genome: child.genome, parent: parent.id, mutations: child.applied };
    });
  }
}
