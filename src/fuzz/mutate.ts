/**
 * Mutating a genome that reached new coverage (greybox fuzzing): the child keeps most of its
 * parent and changes a little — a new interleaving seed, one fault moved, added, dropped or
 * repeated, one configuration choice, the workload or the network. Every new value comes from a
 * fresh genome drawn for the same run (or is an existing value moved within its range), so the
 * child is always a valid genome: fast-check can run it as an example and shrink it.
 *
 * Generic over the genome's fields: a field added later (a new kind of fault gene) is mutated by
 * the same operators without changes here.
 */
import type { Rng } from '../rng/index.js';
import type { ScenarioGenome } from './arbitraries.js';

export interface MutationLimits {
  /** Most fault genes (the genome arbitrary's maxLength: a longer child could not be shrunk). */
  readonly maxFaults: number;
  readonly maxOperators: number;
}

type Mutable = Record<string, unknown>;

/** Most mutation operators applied to one child. */
const MAX_STACK = 3;

/** The child of `parent`: a few operators, drawing any new value from `fresh`. Pure given `rng`. */
export function mutateGenome(parent: ScenarioGenome, fresh: ScenarioGenome, rng: Rng, limits: MutationLimits): { genome: ScenarioGenome; applied: string[] } {
  const child = structuredClone(parent) as unknown as Mutable;
  const source = fresh as unknown as Mutable;
  const applied: string[] = [];
  const count = 1 + rng.int(MAX_STACK);
  for (let n = 0; n < count; n++) {
    const op = OPERATORS[rng.int(OPERATORS.length)]!;
    if (op.apply(child, source, rng, limits)) applied.push(op.name);
  }
  // A child identical to its parent would only repeat a run: at least give it a new interleaving.
  if (applied.length === 0 || JSON.stringify(child) === JSON.stringify(parent)) {
    // The fresh genome's seed, unless it happens to be the parent's (small seeds are drawn often).
    child['seed'] = source['seed'] !== parent.seed ? source['seed'] : (parent.seed + 1 + rng.int(1000)) % 0x80000000;
    applied.push('seed');
  }
  return { genome: child as unknown as ScenarioGenome, applied };
}

interface Operator {
  readonly name: string;
  apply(child: Mutable, fresh: Mutable, rng: Rng, limits: MutationLimits): boolean;
}

type Gene = Record<string, unknown> & { readonly kind?: string };

function genes(genome: Mutable, key: string): Gene[] | undefined {
  const list = genome[key];
  return Array.isArray(list) ? (list as Gene[]) : undefined;
}

/**
 * A fault gene inserted into a run whose swarm turned its kind off, or whose emphasis on the kind
 * would not keep it, would be dropped: keep it, and turn its kind on.
 */
function enableKind(child: Mutable, fresh: Mutable, gene: Gene): void {
  if (typeof gene['keepPc'] === 'number') gene['keepPc'] = 0;
  const swarm = child['swarm'] as Record<string, number> | undefined;
  if (swarm === undefined || typeof gene.kind !== 'string' || !Object.hasOwn(swarm, gene.kind) || swarm[gene.kind] !== 0) return;
  const freshLevel = (fresh['swarm'] as Record<string, number> | undefined)?.[gene.kind] ?? 0;
  swarm[gene.kind] = freshLevel > 0 ? freshLevel : 2;
}

const LIST_LIMIT: Readonly<Record<string, (l: MutationLimits) => number>> = { faults: (l) => l.maxFaults, operators: (l) => l.maxOperators };

function listOperators(key: 'faults' | 'operators'): Operator[] {
  const limit = LIST_LIMIT[key]!;
  return [
    {
      name: `${key}:insert`,
      apply(child, fresh, rng, limits) {
        const mine = genes(child, key);
        const theirs = genes(fresh, key);
        if (mine === undefined || theirs === undefined || theirs.length === 0 || mine.length >= limit(limits)) return false;
        const gene = structuredClone(theirs[rng.int(theirs.length)]!);
        mine.splice(rng.int(mine.length + 1), 0, gene);
        if (key === 'faults') enableKind(child, fresh, gene);
        return true;
      },
    },
    {
      name: `${key}:replace`,
      apply(child, fresh, rng) {
        const mine = genes(child, key);
        const theirs = genes(fresh, key);
        if (mine === undefined || theirs === undefined || mine.length === 0 || theirs.length === 0) return false;
        const gene = structuredClone(theirs[rng.int(theirs.length)]!);
        mine[rng.int(mine.length)] = gene;
        if (key === 'faults') enableKind(child, fresh, gene);
        return true;
      },
    },
    {
      name: `${key}:delete`,
      apply(child, _fresh, rng) {
        const mine = genes(child, key);
        if (mine === undefined || mine.length === 0) return false;
        mine.splice(rng.int(mine.length), 1);
        return true;
      },
    },
    {
      // The same fault again a little later: a crash, then another right after the recovery.
      name: `${key}:repeat`,
      apply(child, _fresh, rng, limits) {
        const mine = genes(child, key);
        if (mine === undefined || mine.length === 0 || mine.length >= limit(limits)) return false;
        const gene = structuredClone(mine[rng.int(mine.length)]!);
        if (typeof gene['atPm'] === 'number') gene['atPm'] = clampPm(gene['atPm'] + 1 + rng.int(200));
        mine.push(gene);
        return true;
      },
    },
    {
      // Move one fault in time, a little: the same plan with one fault earlier or later.
      name: `${key}:shift`,
      apply(child, _fresh, rng) {
        const mine = genes(child, key);
        if (mine === undefined || mine.length === 0) return false;
        const gene = mine[rng.int(mine.length)]!;
        if (typeof gene['atPm'] !== 'number') return false;
        const step = 1 + rng.int(rng.int(2) === 0 ? 10 : 100);
        gene['atPm'] = clampPm(gene['atPm'] + (rng.int(2) === 0 ? -step : step));
        return true;
      },
    },
  ];
}

function clampPm(pm: number): number {
  return Math.max(0, Math.min(999, Math.round(pm)));
}

/** Takes one field of a record-valued genome part (config choice, workload, network, swarm level) from the fresh genome. */
function fieldOperator(name: string, path: readonly string[]): Operator {
  return {
    name,
    apply(child, fresh, rng) {
      let mine: unknown = child;
      let theirs: unknown = fresh;
      for (const key of path) {
        mine = (mine as Mutable | undefined)?.[key];
        theirs = (theirs as Mutable | undefined)?.[key];
      }
      if (typeof mine !== 'object' || mine === null || typeof theirs !== 'object' || theirs === null) return false;
      const keys = Object.keys(theirs).filter((k) => Object.hasOwn(mine as object, k));
      if (keys.length === 0) return false;
      const key = keys[rng.int(keys.length)]!;
      (mine as Mutable)[key] = structuredClone((theirs as Mutable)[key]);
      return true;
    },
  };
}

/** Takes a whole top-level field from the fresh genome. */
function wholeOperator(key: string): Operator {
  return {
    name: key,
    apply(child, fresh) {
      if (!Object.hasOwn(child, key) || !Object.hasOwn(fresh, key)) return false;
      child[key] = structuredClone(fresh[key]);
      return true;
    },
  };
}

const OPERATORS: readonly Operator[] = [
  // A new interleaving of the same plan counts twice: it is the cheapest way to explore around it.
  wholeOperator('seed'),
  wholeOperator('seed'),
  ...listOperators('faults'),
  ...listOperators('operators'),
  fieldOperator('config', ['config', 'choice']),
  fieldOperator('model', ['config']),
  fieldOperator('swarm', ['swarm']),
  fieldOperator('workload', ['workload']),
  fieldOperator('network', ['network']),
  wholeOperator('durationMs'),
  wholeOperator('nodes'),
  wholeOperator('opsStopPm'),
];
