/**
 * One fuzz run, start to end: derive the run's seed from the campaign seed and the run index,
 * generate a scenario from it, run it, and on a failure shrink it with fast-check (bounded) to the
 * smallest scenario that still fails. Deterministic: the same (campaign seed, index) gives the same
 * outcome on any machine, in any worker, in any order.
 */
import fc from 'fast-check';
import type { ProtocolDefinition } from '../core/protocol.js';
import type { RunResult } from '../runner/run.js';
import { Rng } from '../rng/index.js';
import { genomeArbitrary, genomeToScenario, scenarioSize, type FuzzSetup, type ScenarioObject, type ScenarioSize } from './arbitraries.js';
import { LIVENESS_CHECKS } from './profiles.js';
import { simulate } from './simulate.js';

export interface FuzzRunOptions {
  /** Most scenario runs spent shrinking a failure (default 200). */
  readonly shrinkBudget?: number;
  /** Protocols by name (default: the built-ins). */
  readonly protocols?: ReadonlyMap<string, ProtocolDefinition>;
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
}

/** Runs (and, on a failure, shrinks) one fuzz case. */
export function fuzzRun(setup: FuzzSetup, campaignSeed: number | string, index: number, options: FuzzRunOptions = {}): FuzzRunOutcome {
  const seed = runSeedOf(campaignSeed, index);
  return fuzzSeed({ ...setup, seed }, index, options);
}

/** Runs one case with the setup's fixed seed (`setup.seed`). */
export function fuzzSeed(setup: FuzzSetup & { readonly seed: number }, index: number, options: FuzzRunOptions = {}): FuzzRunOutcome {
  const seed = setup.seed;
  const budget = options.shrinkBudget ?? 200;
  const arbitrary = genomeArbitrary(setup).map((genome) => genomeToScenario(genome, setup.context));
  let calls = 0;
  let first: Attempt | undefined;
  let smallest: Attempt | undefined;
  let steps = 0;
  const property = fc.property(arbitrary, (scenario) => {
    calls++;
    // Past the budget every candidate "passes", which ends the shrink at the smallest failure so far.
    if (calls > budget + 1) return true;
    const attempt = attempt1(scenario, options.protocols);
    if (first === undefined) first = attempt;
    const failed = attempt.error !== undefined || attempt.result?.expectation === 'broken';
    if (failed) {
      if (smallest !== undefined) steps++;
      smallest = attempt;
    }
    return !failed;
  });
  // One case per seed: the run index, not fast-check, walks the seed space.
  fc.check(property, { seed, numRuns: 1 });

  const start = first!;
  const base = {
    index,
    seed,
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
      scenario: end.scenario,
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

function attempt1(scenario: ScenarioObject, protocols: ReadonlyMap<string, ProtocolDefinition> | undefined): Attempt {
  try {
    return { scenario, result: simulate(scenario, protocols !== undefined ? { protocols } : {}) };
  } catch (error) {
    // A thrown run (a dsim or protocol bug outside a handler) is a failure to shrink like any other.
    return { scenario, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** The checks that did not come out as expected, safety and liveness told apart. */
export function failedChecks(result: RunResult | undefined): FailedCheck[] {
  if (result === undefined) return [];
  const mustFail = new Set(result.expected === 'pass' ? [] : result.expected.violates);
  return result.checks
    .filter((c) => c.verdict !== 'unknown' && c.verdict !== (mustFail.has(c.name) ? 'fail' : 'pass'))
    .map((c) => ({ name: c.name, verdict: c.verdict, detail: c.detail, kind: LIVENESS_CHECKS.has(c.name) ? 'liveness' : 'safety' }));
}
