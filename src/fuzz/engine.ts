/**
 * One fuzz run, start to end: derive the run's seed from the campaign seed and the run index,
 * generate a scenario from it, run it, and on a failure shrink it with fast-check (bounded) to the
 * smallest scenario that still fails. Deterministic: the same (campaign seed, index) gives the same
 * outcome on any machine, in any worker, in any order.
 */
import fc from 'fast-check';
import type { ProtocolDefinition } from '../core/protocol.js';
import type { CallWatch } from '../kernel/watch.js';
import type { RunResult } from '../runner/run.js';
import { UNFINISHED_TRACE_HASH, type UnfinishedCall } from '../kernel/findings.js';
import { Rng } from '../rng/index.js';
import { genomeArbitrary, genomeToScenario, nodeCountOf, scenarioSize, type FuzzSetup, type ScenarioGenome, type ScenarioObject, type ScenarioSize } from './arbitraries.js';
import { CoverageRecorder } from './coverage.js';
import { minimalOptions } from './configuration.js';
import { isLivenessCheck } from './profiles.js';
import { simulate } from './simulate.js';
import { describeThrown } from '../core/thrown.js';

export interface FuzzRunOptions {
  /** Most scenario runs spent shrinking a failure (default 200). */
  readonly shrinkBudget?: number;
  /** Protocols by name (default: the built-ins). */
  readonly protocols?: ReadonlyMap<string, ProtocolDefinition>;
  /** Heartbeat while simulating, for a watchdog (see SimulateOptions.onProgress). */
  readonly onProgress?: (phase: 'simulate' | 'check', events: number) => void;
  /** Cells a watchdog reads to judge each protocol call (see kernel/watch.ts). */
  readonly callWatch?: CallWatch;
  /**
   * Called before each shrink candidate runs, with the first run's summary: a watchdog that has to
   * stop a candidate that never returns can still report what it was.
   */
  readonly onShrinkCandidate?: (scenario: ScenarioObject, first: FirstRun) => void;
  /** Run this genome (a mutant of a corpus entry) instead of drawing one from the run's seed. */
  readonly genome?: ScenarioGenome;
  /** Record the first run's coverage features (and return its genome) for coverage feedback. */
  readonly coverage?: boolean;
}

/** The first (unshrunk) run of a failing case, in brief. */
export interface FirstRun {
  readonly traceHash: string;
  readonly events: number;
  readonly ops: number;
}

export interface FailedCheck {
  readonly name: string;
  readonly verdict: 'pass' | 'fail' | 'unknown';
  readonly detail: string;
  /** Liveness checks are judged only after the heal; everything else must hold under any faults. */
  readonly kind: 'safety' | 'liveness';
}

export interface FuzzFailure {
  /** The smallest failing scenario found. */
  readonly scenario: ScenarioObject;
  /** The scenario as first generated. */
  readonly original: ScenarioObject;
  readonly before: ScenarioSize;
  readonly after: ScenarioSize;
  /** The checks the shrunk scenario fails (or an error it throws). */
  readonly failed: readonly FailedCheck[];
  /**
   * Set when a handler never returned: the run (or, during shrinking, the candidate in
   * `scenario`) was stopped by the watchdog after `timeoutMs` without progress.
   */
  readonly hang?: { readonly timeoutMs: number; readonly during: 'run' | 'shrink'; readonly stop: UnfinishedCall };
  readonly error?: string;
  /** Of the shrunk scenario's run. */
  readonly traceHash: string;
  /** Scenario runs spent shrinking, and how many of them made it smaller. */
  readonly shrinkRuns: number;
  readonly shrinkSteps: number;
}

export interface FuzzRunOutcome {
  readonly index: number;
  /** The run's seed: the scenario's `seed:` and the seed its genome was drawn from. */
  readonly seed: number;
  readonly status: 'passed' | 'failed' | 'inconclusive';
  /** Of the first (unshrunk) run. */
  readonly traceHash: string;
  readonly events: number;
  readonly ops: number;
  readonly faults: number;
  /** Inconclusive checks of the first run, named. */
  readonly unknown?: readonly string[];
  /** With coverage: the first run's genome and the coverage features it reached. */
  readonly genome?: ScenarioGenome;
  readonly features?: readonly number[];
  readonly failure?: FuzzFailure;
}

const SEED_RANGE = 0x7fffffff;

/** The seed of run `index` in the campaign `campaignSeed`: independent of every other run. */
export function runSeedOf(campaignSeed: number | string, index: number): number {
  return Rng.root(`fuzz:${String(campaignSeed)}`).fork(`run:${index}`).int(SEED_RANGE);
}

interface Attempt {
  readonly scenario: ScenarioObject;
  readonly result?: RunResult;
  readonly error?: string;
  readonly features?: readonly number[];
}

/** Every node id of a scenario: members, then spares. */
function nodeNames(scenario: ScenarioObject): string[] {
  const spares = typeof scenario['spares'] === 'number' ? scenario['spares'] : 0;
  return Array.from({ length: nodeCountOf(scenario) + spares }, (_, i) => `n${i + 1}`);
}

/**
 * Runs (and, on a failure, shrinks) one fuzz case: run `index` of the campaign, drawn from its
 * seed, or the mutant `options.genome` planned for it (coverage feedback).
 */
export function fuzzRun(setup: FuzzSetup, campaignSeed: number | string, index: number, options: FuzzRunOptions = {}): FuzzRunOutcome {
  const seed = runSeedOf(campaignSeed, index);
  if (options.genome !== undefined) {
    // A mutant is run as fast-check's example, so it shrinks like a drawn case; its simulation
    // seed is its own (a mutation may change it), so the seed must not be fixed here.
    const { seed: _fixed, ...unseeded } = setup;
    return fuzzCase(unseeded, index, seed, options.genome, options);
  }
  return fuzzCase({ ...setup, seed }, index, seed, undefined, options);
}

/** Runs one case with the setup's fixed seed (`setup.seed`). */
export function fuzzSeed(setup: FuzzSetup & { readonly seed: number }, index: number, options: FuzzRunOptions = {}): FuzzRunOutcome {
  return fuzzCase(setup, index, setup.seed, undefined, options);
}

function fuzzCase(setup: FuzzSetup, index: number, fastCheckSeed: number, genome: ScenarioGenome | undefined, options: FuzzRunOptions): FuzzRunOutcome {
  const budget = options.shrinkBudget ?? 200;
  let calls = 0;
  let signature: ReadonlySet<string> = new Set();
  let first: Attempt | undefined;
  let firstGenome: ScenarioGenome | undefined;
  let smallest: Attempt | undefined;
  let steps = 0;
  const property = fc.property(genomeArbitrary(setup), (candidate) => {
    calls++;
    // Past the budget every candidate "passes", which ends the shrink at the smallest failure so far.
    if (calls > budget + 1) return true;
    const scenario = genomeToScenario(candidate, setup.context);
    if (calls > 1 && options.onShrinkCandidate !== undefined) {
      const f = first!;
      options.onShrinkCandidate(scenario, { traceHash: f.result?.traceHash ?? '', events: f.result?.events ?? 0, ops: f.result?.ops.invoked ?? 0 });
    }
    // Coverage is of the case as first run: shrink candidates are not new behaviour.
    const attempt = attempt1(scenario, options, calls === 1 && options.coverage === true);
    if (first === undefined) {
      first = attempt;
      firstGenome = candidate;
      signature = failureSignature(attempt);
    }
    const failed = attempt.error !== undefined || attempt.result?.expectation === 'broken';
    // A smaller candidate counts only when it fails the way the first run did, so shrinking does
    // not slip from one bug to another (a safety violation to a liveness side effect).
    if (failed && (smallest === undefined || sameFailure(signature, attempt))) {
      if (smallest !== undefined) steps++;
      smallest = attempt;
    }
    return smallest !== attempt;
  });
  // One case per seed: the run index, not fast-check, walks the seed space. A mutant is the one
  // example (numRuns 1 with an example runs just the example).
  fc.check(property, { seed: fastCheckSeed, numRuns: 1, ...(genome !== undefined ? { examples: [[genome]] as [ScenarioGenome][] } : {}) });

  const start = first!;
  const base = {
    index,
    seed: typeof start.scenario.seed === 'number' ? start.scenario.seed : fastCheckSeed,
    ...(options.coverage === true ? { genome: firstGenome!, features: start.features ?? [] } : {}),
    traceHash: start.result?.traceHash ?? '',
    events: start.result?.events ?? 0,
    ops: start.result?.ops.invoked ?? 0,
    faults: start.scenario.faults.length,
  };
  if (smallest === undefined) {
    const unknown = start.result?.checks.filter((c) => c.verdict === 'unknown').map((c) => c.name) ?? [];
    return start.result?.expectation === 'inconclusive' ? { ...base, status: 'inconclusive', unknown } : { ...base, status: 'passed' };
  }
  const end: Attempt = smallest;
  return {
    ...base,
    status: 'failed',
    failure: {
      scenario: withMinimalOptions(end.scenario, setup),
      original: start.scenario,
      before: scenarioSize(start.scenario, start.result?.ops.invoked),
      after: scenarioSize(end.scenario, end.result?.ops.invoked),
      failed: failedChecks(end.result),
      ...(end.error !== undefined ? { error: end.error } : {}),
      traceHash: end.result?.traceHash ?? '',
      shrinkRuns: Math.min(calls, budget + 1) - 1,
      shrinkSteps: steps,
    },
  };
}

/**
 * What a failure is, for shrinking: the safety checks it failed (other than health, when there are
 * others), or (when none) its liveness checks, or that it threw.
 */
function failureSignature(attempt: Attempt): ReadonlySet<string> {
  if (attempt.error !== undefined) return new Set(['(threw)']);
  const failed = failedChecks(attempt.result);
  const safety = failed.filter((c) => c.kind === 'safety' && c.verdict === 'fail');
  // A budget or flood finding (health) often follows a violation a named check saw first.
  const named = safety.filter((c) => c.name !== 'health');
  return new Set((named.length > 0 ? named : safety.length > 0 ? safety : failed).map((c) => c.name));
}

function sameFailure(signature: ReadonlySet<string>, attempt: Attempt): boolean {
  if (signature.size === 0) return true;
  if (attempt.error !== undefined) return signature.has('(threw)');
  return failedChecks(attempt.result).some((c) => signature.has(c.name));
}

/** The scenario with only the options that differ from the protocol's defaults (the same run). */
function withMinimalOptions(scenario: ScenarioObject, setup: FuzzSetup): ScenarioObject {
  const options = scenario.options as Record<string, unknown> | undefined;
  if (options === undefined) return scenario;
  const { options: _full, ...rest } = scenario;
  const minimal = minimalOptions(setup.context.configuration.definition, options);
  return (Object.keys(minimal).length > 0 ? { ...rest, options: minimal } : rest) as ScenarioObject;
}

function attempt1(scenario: ScenarioObject, options: FuzzRunOptions, coverage: boolean): Attempt {
  // Watched from here: booting the nodes (init) runs protocol code too.
  options.onProgress?.('simulate', 0);
  const recorder = coverage ? new CoverageRecorder(nodeNames(scenario)) : undefined;
  try {
    const result = simulate(scenario, {
      ...(options.protocols !== undefined ? { protocols: options.protocols } : {}),
      ...(options.onProgress !== undefined ? { onProgress: options.onProgress } : {}),
      ...(options.callWatch !== undefined ? { callWatch: options.callWatch } : {}),
      ...(recorder !== undefined ? { coverage: recorder } : {}),
    });
    return { scenario, result, ...(recorder !== undefined ? { features: recorder.features() } : {}) };
  } catch (error) {
    // A thrown run (a dsim or protocol bug outside a handler) is a failure to shrink like any other.
    return { scenario, error: describeThrown(error).text };
  }
}

/** The checks that did not come out as expected, safety and liveness told apart. */
export function failedChecks(result: RunResult | undefined): FailedCheck[] {
  if (result === undefined) return [];
  const mustFail = new Set(result.expected === 'pass' ? [] : result.expected.violates);
  return result.checks
    .filter((c) => c.verdict !== 'unknown' && c.verdict !== (mustFail.has(c.name) ? 'fail' : 'pass'))
    .map((c) => ({ name: c.name, verdict: c.verdict, detail: c.detail, kind: isLivenessCheck(c.name) ? 'liveness' : 'safety' }));
}

/**
 * The scenario run `seed` starts from: the first case fast-check generates for it, as fuzzSeed
 * runs it. A watchdog that had to stop a run rebuilds it from the seed alone.
 */
export function firstScenario(setup: FuzzSetup, seed: number): ScenarioObject {
  const [genome] = fc.sample(genomeArbitrary({ ...setup, seed }), { seed, numRuns: 1 });
  return genomeToScenario(genome!, setup.context);
}

/** The text every hang finding carries. */
export const HANG_TRACE_HASH = UNFINISHED_TRACE_HASH;

/**
 * The outcome of a run stopped by the watchdog: a hang (or the memory limit, or a thread that
 * ended itself), as `stop` tells. `candidate` is the shrink candidate that was stopped, when the
 * first run failed otherwise and shrinking hit it.
 */
export function hangOutcome(
  setup: FuzzSetup,
  campaignSeed: number | string,
  index: number,
  hang: { readonly timeoutMs: number; readonly stop: UnfinishedCall; readonly candidate?: ScenarioObject; readonly first?: FirstRun; readonly genome?: ScenarioGenome },
): FuzzRunOutcome {
  const original = hang.genome !== undefined ? genomeToScenario(hang.genome, setup.context) : firstScenario(setup, runSeedOf(campaignSeed, index));
  const seed = typeof original.seed === 'number' ? original.seed : runSeedOf(campaignSeed, index);
  const scenario = hang.candidate ?? original;
  const during = hang.candidate !== undefined ? 'shrink' : 'run';
  const detail = `${hang.stop.kind}: ${hang.stop.message}` + (during === 'shrink' ? '; found while shrinking another failure of this run' : '');
  return {
    index,
    seed,
    status: 'failed',
    traceHash: hang.first?.traceHash ?? HANG_TRACE_HASH,
    events: hang.first?.events ?? 0,
    ops: hang.first?.ops ?? 0,
    faults: original.faults.length,
    failure: {
      scenario,
      original,
      before: scenarioSize(original, hang.first?.ops),
      after: scenarioSize(scenario),
      failed: [{ name: 'health', verdict: 'fail', detail, kind: 'safety' }],
      hang: { timeoutMs: hang.timeoutMs, during, stop: hang.stop },
      traceHash: HANG_TRACE_HASH,
      shrinkRuns: 0,
      shrinkSteps: 0,
    },
  };
}
