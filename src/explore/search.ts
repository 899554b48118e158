/**
 * Exhaustive exploration of a small configuration: every sequence of choices (runner/choices.ts)
 * up to a depth, each distinct state (fingerprint.ts) expanded once.
 *
 * States are not copied: a state is its path of choices from the start, and expanding it replays
 * the path through a fresh kernel (stateless search with state caching, as in CHESS or
 * Stateright's on-demand checker). Replaying costs the path's length per state, but it needs
 * nothing of the protocol beyond the contract (plain-data state, effects through the context),
 * invariant monitors keep their memory of the past exactly, and a path is already the choice log a
 * counterexample is written as. Memory per state: its fingerprint, its parent and its choice.
 *
 * - bfs: breadth first; the first violation found is a shortest one (fewest choices).
 * - dfs: depth first, a state revisited only when reached by a shorter path; finds deep paths
 *   sooner, not the shortest.
 * - random-walk: seeded random paths from the start to the depth bound; no replay, no guarantee.
 * - pct: seeded runs to the depth bound scheduled by PCT (pct.ts): a probabilistic guarantee per
 *   run for bugs of a given depth.
 * - partitions: breadth first over coarser steps (steppers.ts): a timer, a client op, a crash or a
 *   partition change, each followed by every delivery it allows; the shortest path in such steps.
 */
import type { AnyProtocol } from '../core/protocol.js';
import { Rng } from '../rng/index.js';
import { ChoiceWorld, convergenceChecks, exploredChecks, type Choice } from '../runner/choices.js';
import { prepareProtocol } from '../runner/prepare.js';
import type { CheckResult } from '../runner/checks.js';
import type { ExploreStrategy, Scenario } from '../scenario/resolve.js';
import { Fingerprinter, MAX_SYMMETRIC_NODES, NotPlainDataError } from './fingerprint.js';
import { independent } from './independence.js';
import { continueFairly } from './liveness.js';
import { PctScheduler } from './pct.js';
import { ChoiceStepper, MAX_PARTITION_NODES, QuiescentStepper, setPartitions, type Stepper } from './steppers.js';

export type Strategy = ExploreStrategy;

export interface ExploreOptions {
  readonly depth: number;
  /**
   * Sleep sets (bfs over single choices): a choice independent of the one just taken, and
   * already explored from an earlier sibling, is not taken again (independence.ts). On unless false.
   */
  readonly sleepSets?: boolean;
  readonly maxStates: number;
  readonly strategy: Strategy;
  readonly symmetry: boolean;
  /** PCT: the bug depth d aimed at (d-1 priority change points per run; default 3). */
  readonly pctDepth?: number;
  /**
   * Bounded liveness (liveness.ts): from every new state (walks: the end of every run), the faults
   * stop and the canonical fair continuation must reach the liveness promise within this many steps.
   */
  readonly liveness?: { readonly within: number };
  /** Called every `progressEvery` states with the counts so far. */
  readonly onProgress?: (stats: ExploreStats) => void;
  readonly progressEvery?: number;
  /** Asked at every progress call: true stops the search (a byte budget, an interrupt). */
  readonly shouldStop?: () => string | undefined;
}

export interface ExploreStats {
  /** Transitions taken: choices applied to a state (each one a kernel step or a few). */
  explored: number;
  /** Distinct states (fingerprints) seen, the initial state included. */
  unique: number;
  /** Deepest state reached. */
  depthReached: number;
  /** Every state of at most this many choices was expanded (bfs; -1 none). */
  depthCompleted: number;
  /** Kernel events processed, replays included. */
  kernelEvents: number;
  /** Transitions not taken because a sleep set held them (bfs). */
  slept: number;
  /** Runs from the start (random-walk, pct). */
  runs: number;
  /** States from which a fair continuation was run (explore.liveness). */
  livenessChecked: number;
  /** Steps taken by those continuations, in all. */
  fairSteps: number;
}

export interface Violation {
  /** The choice log from the start, as labels. */
  readonly path: readonly string[];
  /** The search's steps, when a step is more than one choice (strategy partitions). */
  readonly steps?: readonly string[];
  /** The checks that failed at its end. */
  readonly failed: readonly CheckResult[];
  /**
   * Liveness: the path ends with `faults stop` and a fair continuation of this many choices (the
   * state it failed from is the path without them), which `steps` does not list.
   */
  readonly fairChoices?: number;
}

export interface ExploreResult {
  readonly stats: ExploreStats;
  readonly violation?: Violation;
  /** Why the search stopped before exhausting its bound: max states, a budget, an interrupt. */
  readonly stoppedEarly?: string;
  /** The checks judged at every state. */
  readonly checks: readonly string[];
  /** With liveness: the convergence checks a fair continuation must also make pass. */
  readonly convergence: readonly string[];
}

/** Why exploration cannot run a scenario, named for the user (bad input). */
export class ExploreError extends Error {}

/** Explores the scenario within its bounds; stops at the first violation. */
export function explore(scenario: Scenario, options: ExploreOptions): ExploreResult {
  if (options.symmetry && scenario.nodes > MAX_SYMMETRIC_NODES) throw new ExploreError(`symmetry reduction is for ${MAX_SYMMETRIC_NODES} nodes or fewer (${scenario.nodes}! renamings per state); turn it off`);
  if (partitionSteps(options.strategy) && scenario.nodes > MAX_PARTITION_NODES) throw new ExploreError(`strategy partitions is for ${MAX_PARTITION_NODES} nodes or fewer (every set partition of the nodes is a step)`);
  const protocol = prepareProtocol(scenario);
  const search = new Search(scenario, protocol, options);
  try {
    if (options.strategy === 'random-walk') return search.randomWalk();
    if (options.strategy === 'pct') return search.pct();
    return search.systematic(options.strategy === 'dfs' || options.strategy === 'partitions-dfs' ? 'dfs' : 'bfs');
  } catch (error) {
    // A state the fingerprint cannot hash faithfully: the protocol does not fit exploration (bad input).
    if (error instanceof NotPlainDataError) throw new ExploreError(`${scenario.protocol.name}: ${error.message}`);
    throw error;
  }
}

/** Whether a strategy's steps are quiescent steps (steppers.ts) rather than single choices. */
function partitionSteps(strategy: Strategy): boolean {
  return strategy === 'partitions' || strategy === 'partitions-dfs';
}

class Search {
  private readonly fingerprints: Fingerprinter;
  private readonly checks: string[];
  private readonly historyChecks: string[];
  readonly stats: ExploreStats = { explored: 0, unique: 0, depthReached: 0, depthCompleted: -1, kernelEvents: 0, slept: 0, runs: 0, livenessChecked: 0, fairSteps: 0 };
  /** Per state: its parent state and the index of the choice that led to it. */
  private readonly parent: number[] = [];
  private readonly choiceIndex: number[] = [];
  private readonly depthOf: number[] = [];
  /** Fingerprints seen, with the least depth each was reached at. */
  private readonly seen = new Map<number, number>();
  private nextProgress: number;
  /** The set partitions a partitions step may switch to (strategy partitions). */
  private readonly partitions: number[][] | undefined;
  /** Sleep sets of states not yet expanded (labels of choices not to take there), bfs only. */
  private readonly sleepOf = new Map<number, string[]>();
  /** Under symmetry, each unexpanded state's fingerprint without it: sleep sets name concrete nodes. */
  private readonly plainOf = new Map<number, number>();
  private readonly plain: Fingerprinter | undefined;
  /** The states of the level being generated, by fingerprint (where a sleep set is met again). */
  private level = new Map<number, number>();

  constructor(
    private readonly scenario: Scenario,
    private readonly protocol: AnyProtocol,
    private readonly options: ExploreOptions,
  ) {
    this.fingerprints = new Fingerprinter(
      Array.from({ length: scenario.nodes }, (_, i) => `n${i + 1}`),
      options.symmetry,
    );
    this.checks = exploredChecks(scenario, protocol);
    this.historyChecks = this.checks.filter((c) => c !== 'health' && !(protocol.invariants ?? []).some((inv) => inv.name === c) && c !== 'invariants');
    this.nextProgress = options.progressEvery ?? 10_000;
    this.partitions = partitionSteps(options.strategy) ? setPartitions(scenario.nodes) : undefined;
    this.plain = options.symmetry ? new Fingerprinter(this.fingerprints.nodeIds, false) : undefined;
  }

  /** bfs or dfs over distinct states. */
  systematic(strategy: 'bfs' | 'dfs'): ExploreResult {
    const seen = this.seen;
    const root = this.stepper([]);
    seen.set(this.fingerprint(root), 0);
    this.addState(-1, -1, 0);
    const rootViolation = this.violationAt(root.world, root.world.clients.history.length > 0 ? 0 : undefined);
    if (rootViolation !== undefined) return this.found(rootViolation, 0);
    if (!this.liveFrom(root.world)) return this.foundNotLive(0);
    const frontier: number[] = [0];
    let head = 0;
    let currentDepth = 0;
    while (strategy === 'bfs' ? head < frontier.length : frontier.length > 0) {
      const id = strategy === 'bfs' ? frontier[head++]! : frontier.pop()!;
      const depth = this.depthOf[id]!;
      if (strategy === 'bfs' && depth > currentDepth) {
        this.stats.depthCompleted = currentDepth;
        currentDepth = depth;
        this.level = new Map();
      }
      const asleep = this.sleepOf.get(id);
      this.sleepOf.delete(id);
      this.plainOf.delete(id);
      if (depth >= this.options.depth) continue;
      const path = this.pathOf(id);
      let stepper: Stepper | undefined = this.stepper(path);
      const steps = stepper.steps();
      const count = steps.length;
      // Sleep sets: bfs over single choices, where every state of a level is generated before it
      // is expanded, so a state's sleep set is the intersection over all its shortest arrivals.
      const feet = strategy === 'bfs' && this.options.sleepSets !== false ? stepper.footprints?.() : undefined;
      const sleeping = new Set(asleep);
      /** Indices of the choices asleep here and of those taken so far: a later sibling's sleep set comes from them. */
      const behind: number[] = [];
      if (feet !== undefined) steps.forEach((step, i) => sleeping.has(step.label) && behind.push(i));
      for (let i = 0; i < count; i++) {
        if (sleeping.has(steps[i]!.label)) {
          this.stats.slept++;
          continue;
        }
        stepper ??= this.stepper(path);
        const historyBefore = stepper.world.clients.history.length;
        stepper.take(i);
        this.stats.explored++;
        const fp = this.fingerprint(stepper);
        const known = seen.get(fp);
        const childSleep = feet !== undefined && depth + 1 < this.options.depth ? behind.filter((j) => independent(feet[j]!, feet[i]!)).map((j) => steps[j]!.label) : undefined;
        let added: number | undefined;
        if (known === undefined || known > depth + 1) {
          seen.set(fp, depth + 1);
          const child = this.addState(id, i, depth + 1);
          added = child;
          const violation = this.violationAt(stepper.world, historyBefore);
          if (violation !== undefined) return this.found(violation, child);
          frontier.push(child);
          if (childSleep !== undefined) {
            this.level.set(fp, child);
            if (childSleep.length > 0) this.sleepOf.set(child, childSleep);
            if (this.plain !== undefined) this.plainOf.set(child, this.plain.of(stepper.world));
          }
        } else if (childSleep !== undefined && known === depth + 1) {
          // Met again on this level: only what both arrivals may skip stays asleep (a sleep set
          // names concrete nodes, so an arrival that is only a renaming of the state keeps nothing).
          const other = this.level.get(fp);
          if (other !== undefined) {
            const held = this.sleepOf.get(other);
            const same = this.plain === undefined || this.plainOf.get(other) === this.plain.of(stepper.world);
            if (held !== undefined) {
              const kept = same ? held.filter((label) => childSleep.includes(label)) : [];
              if (kept.length > 0) this.sleepOf.set(other, kept);
              else this.sleepOf.delete(other);
            }
          }
        }
        if (feet !== undefined) behind.push(i);
        // Last: the fair continuation consumes this run (the child is expanded from a replay).
        if (added !== undefined && !this.liveFrom(stepper.world)) return this.foundNotLive(added);
        this.stats.kernelEvents += stepper.world.sim.events;
        stepper = undefined;
        const stop = this.progress(seen.size);
        if (stop !== undefined) return this.result(stop);
      }
    }
    if (strategy === 'bfs') this.stats.depthCompleted = this.options.depth;
    return this.result(undefined);
  }

  /** Seeded random paths to the depth bound, each choice drawn uniformly, until maxStates transitions. */
  randomWalk(): ExploreResult {
    const rng = Rng.root(String(this.scenario.seed)).fork('explore-walk');
    return this.walks(() => (choices) => (choices.length === 0 ? -1 : rng.int(choices.length)), 'random walk');
  }

  /** PCT runs (pct.ts): random thread priorities with d-1 change points, until maxStates transitions. */
  pct(): ExploreResult {
    const rng = Rng.root(String(this.scenario.seed)).fork('explore-pct');
    const bounds = this.scenario.explore!;
    const options = { depth: this.options.pctDepth ?? 3, steps: this.options.depth, faults: { crash: bounds.crashes, drop: bounds.drops, duplicate: bounds.duplicates } };
    return this.walks(() => {
      const scheduler = new PctScheduler(rng, options);
      return (choices, step) => scheduler.pick(choices, step);
    }, 'pct');
  }

  /**
   * Runs from the start to the depth bound (or until nothing is enabled), each choice the index
   * `schedule()`'s function returns for a run (-1: the run ends), until maxStates transitions.
   */
  private walks(schedule: () => (choices: readonly Choice[], step: number) => number, name: string): ExploreResult {
    const seen = this.seen;
    while (this.stats.explored < this.options.maxStates) {
      const stepper = new ChoiceStepper(new ChoiceWorld(this.scenario, { protocol: this.protocol }));
      const pick = schedule();
      this.stats.runs++;
      seen.set(this.fingerprint(stepper), 0);
      const path: number[] = [];
      while (path.length < this.options.depth) {
        const i = pick(stepper.steps(), path.length);
        if (i < 0) break;
        const historyBefore = stepper.world.clients.history.length;
        stepper.take(i);
        path.push(i);
        this.stats.explored++;
        this.stats.depthReached = Math.max(this.stats.depthReached, path.length);
        const fp = this.fingerprint(stepper);
        if (!seen.has(fp)) seen.set(fp, path.length);
        const violation = this.violationAt(stepper.world, historyBefore);
        if (violation !== undefined) return { ...this.result(undefined), violation: this.violation(path, violation) };
      }
      if (!this.liveFrom(stepper.world)) return { ...this.result(undefined), violation: this.violation(path, [], this.options.liveness!.within) };
      this.stats.kernelEvents += stepper.world.sim.events;
      const stop = this.progress(seen.size);
      if (stop !== undefined) return this.result(stop);
    }
    return this.result(`${name}: ${this.options.maxStates} transitions taken (a ${name} proves nothing exhaustively)`);
  }

  private addState(parent: number, choice: number, depth: number): number {
    this.parent.push(parent);
    this.choiceIndex.push(choice);
    this.depthOf.push(depth);
    if (depth > this.stats.depthReached) this.stats.depthReached = depth;
    return this.parent.length - 1;
  }

  private pathOf(id: number): number[] {
    const path: number[] = [];
    for (let s = id; s > 0; s = this.parent[s]!) path.push(this.choiceIndex[s]!);
    return path.reverse();
  }

  /** A fresh run with the path's steps taken. */
  private stepper(path: readonly number[], recording = false): Stepper {
    const world = new ChoiceWorld(this.scenario, { protocol: this.protocol });
    const stepper = this.partitions !== undefined ? new QuiescentStepper(world, { partitions: this.partitions, maxChanges: this.scenario.explore!.partitions, recording }) : new ChoiceStepper(world);
    for (const i of path) stepper.take(i);
    return stepper;
  }

  private fingerprint(stepper: Stepper): number {
    return this.fingerprints.of(stepper.world, stepper.extra);
  }

  /**
   * The failed checks at this state, if any: invariants and findings always, history checks when
   * an op completed since the history had `historyBefore` events.
   */
  private violationAt(world: ChoiceWorld, historyBefore: number | undefined): CheckResult[] | undefined {
    const history = world.clients.history;
    let completed = false;
    if (historyBefore !== undefined) for (let i = historyBefore; i < history.length && !completed; i++) completed = history[i]!.type !== 'invoke';
    if (!world.failed && !completed) return undefined;
    const names = world.failed ? this.checks : this.historyChecks;
    if (names.length === 0) return undefined;
    const failed = world.judge(names).filter((c) => c.verdict === 'fail');
    return failed.length > 0 ? failed : undefined;
  }

  private found(failed: CheckResult[], id: number): ExploreResult {
    return { ...this.result(undefined), violation: this.violation(this.pathOf(id), failed) };
  }

  /**
   * Whether the fair continuation from this state (consumed) reaches the liveness promise; true
   * when liveness is not checked.
   */
  private liveFrom(world: ChoiceWorld): boolean {
    const within = this.options.liveness?.within;
    if (within === undefined) return true;
    const outcome = continueFairly(world, within);
    this.stats.livenessChecked++;
    this.stats.fairSteps += outcome.steps;
    return outcome.held;
  }

  private foundNotLive(id: number): ExploreResult {
    return { ...this.result(undefined), violation: this.violation(this.pathOf(id), [], this.options.liveness!.within) };
  }

  /**
   * The violation at the end of a path of step indices: its choice log and, if coarser, its steps
   * (replayed once). With `fairWithin`, the path's state failed the liveness promise: the fair
   * continuation is run again, logged, and its failure (or a safety check it broke) is the verdict.
   */
  private violation(path: readonly number[], failed: CheckResult[], fairWithin?: number): Violation {
    const stepper = this.stepper([], true);
    const steps = path.map((i) => {
      const label = stepper.steps()[i]!.label;
      stepper.take(i);
      return label;
    });
    const shown = stepper instanceof ChoiceStepper ? {} : { steps };
    if (fairWithin === undefined) return { path: [...stepper.log], ...shown, failed };
    const fair: string[] = [];
    const outcome = continueFairly(stepper.world, fairWithin, fair);
    const verdict: CheckResult[] = outcome.unsafe === true ? stepper.world.judge(this.checks).filter((c) => c.verdict === 'fail') : [{ name: 'liveness', verdict: 'fail', detail: outcome.detail ?? 'not reached' }];
    return { path: [...stepper.log, ...fair], ...shown, failed: verdict, fairChoices: fair.length };
  }

  private progress(unique: number): string | undefined {
    if (unique >= this.options.maxStates) return `max states reached (${this.options.maxStates})`;
    if (this.stats.explored < this.nextProgress) return undefined;
    this.nextProgress += this.options.progressEvery ?? 10_000;
    this.stats.unique = unique;
    this.options.onProgress?.(this.stats);
    return this.options.shouldStop?.();
  }

  private result(stoppedEarly: string | undefined): ExploreResult {
    this.stats.unique = this.seen.size;
    return { stats: this.stats, checks: this.checks, convergence: convergenceChecks(this.scenario, this.protocol), ...(stoppedEarly !== undefined ? { stoppedEarly } : {}) };
  }
}
