import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import { resolveScenario } from '../../src/scenario/resolve.js';
import { Rng } from '../../src/rng/index.js';
import {
  COVERAGE_SIZE,
  Corpus,
  CoverageRecorder,
  mutationLimits,
  fuzzRun,
  fuzzSetup,
  genomeArbitrary,
  genomeToScenario,
  mutateGenome,
  runCampaign,
  simulate,
  type ScenarioGenome,
} from '../../src/fuzz/index.js';

const protocols = protocolRegistry();
const SEED = 42;

describe('coverage of abstract protocol behaviour', () => {
  it('turns moments and abstract states into sorted, bounded, deterministic features', () => {
    const record = (timer: string): number[] => {
      const r = new CoverageRecorder(['n1', 'n2', 'n3']);
      r.abstractState('n1', 'follower');
      r.event('n1', 'timer', timer);
      r.abstractState('n1', 'candidate voted');
      r.event('n1', 'deliver', 'vote-reply');
      r.abstractState('n1', 'leader');
      r.event('n2', 'crash', '');
      return r.features();
    };
    const a = record('election');
    expect(a).toEqual(record('election'));
    expect(a).toEqual([...a].sort((x, y) => x - y));
    expect(a.every((f) => f >= 0 && f < COVERAGE_SIZE)).toBe(true);
    expect(new Set(a).size).toBe(a.length);
    // A timer named after a request id is the same moment for every request.
    expect(record('deadline:o17')).toEqual(record('deadline:o3'));
    expect(record('deadline:o17')).not.toEqual(a);
  });

  it('a run reports what it covered; runs of other behaviour cover other features', () => {
    const setup = fuzzSetup({ protocol: 'raft', protocols });
    const one = fuzzRun(setup, SEED, 0, { protocols, shrinkBudget: 0, coverage: true });
    const again = fuzzRun(setup, SEED, 0, { protocols, shrinkBudget: 0, coverage: true });
    expect(one.features!.length).toBeGreaterThan(20);
    expect(again.features).toEqual(one.features);
    expect(again.traceHash).toBe(one.traceHash);
    // Watching costs the run nothing: the same run without coverage has the same trace.
    expect(fuzzRun(setup, SEED, 0, { protocols, shrinkBudget: 0 }).traceHash).toBe(one.traceHash);
    expect(fuzzRun(setup, SEED, 1, { protocols, shrinkBudget: 0, coverage: true }).features).not.toEqual(one.features);
  });
});

describe('mutating a genome', () => {
  const setup = fuzzSetup({ protocol: 'raft', protocols });
  const genomes = genomeArbitrary(setup);
  const limits = mutationLimits(setup);

  it('always gives a valid genome fast-check can shrink, deterministically', () => {
    fc.assert(
      fc.property(genomes, genomes, fc.integer({ min: 0, max: 1_000_000 }), (parent, fresh, seed) => {
        const { genome: child, applied } = mutateGenome(parent, fresh, Rng.root(seed), limits);
        expect(applied.length).toBeGreaterThan(0);
        expect(child).not.toEqual(parent);
        expect(genomes.canShrinkWithoutContext(child)).toBe(true);
        resolveScenario(genomeToScenario(child, setup.context), '<test>', { protocols });
        expect(mutateGenome(parent, fresh, Rng.root(seed), limits).genome).toEqual(child);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('runs a mutant, and shrinks a failing one to a replayable file', () => {
    const flawed = fuzzSetup({ protocol: 'broadcast', flaws: ['no-retry'], protocols });
    const [parent, fresh] = fc.sample(genomeArbitrary(flawed), { seed: 7, numRuns: 2 });
    let outcome;
    for (let s = 0; s < 40 && outcome?.status !== 'failed'; s++) {
      const child: ScenarioGenome = mutateGenome(parent!, fresh!, Rng.root(s), limits).genome;
      outcome = fuzzRun(flawed, SEED, 0, { protocols, genome: child, shrinkBudget: 30 });
    }
    expect(outcome?.status).toBe('failed');
    const f = outcome!.failure!;
    expect(f.shrinkSteps).toBeGreaterThan(0);
    expect(simulate(f.scenario, { protocols }).traceHash).toBe(f.traceHash);
  });
});

describe('the corpus and the campaign', () => {
  it('keeps a run only for features no run had; plans mutants of rare entries deterministically', () => {
    const setup = fuzzSetup({ protocol: 'broadcast', protocols });
    const corpus = new Corpus();
    const [g] = fc.sample(genomeArbitrary(setup), { seed: 1, numRuns: 1 });
    expect(corpus.consider({ genome: g!, features: [1, 2, 3], seed: 1, index: 0 })).toBe(true);
    expect(corpus.consider({ genome: g!, features: [2, 3], seed: 1, index: 1 })).toBe(false);
    expect(corpus.consider({ genome: g!, features: [3, 4], seed: 1, index: 2 })).toBe(true);
    expect(corpus.covered).toBe(4);
    const limits = { maxFaults: 8, maxOperators: 4 };
    const plan = (c: Corpus): unknown => c.planBatch(setup, 9, [16, 17, 18, 19, 20, 21, 22, 23], limits);
    const twin = new Corpus();
    twin.consider({ genome: g!, features: [1, 2, 3], seed: 1, index: 0 });
    twin.consider({ genome: g!, features: [2, 3], seed: 1, index: 1 });
    twin.consider({ genome: g!, features: [3, 4], seed: 1, index: 2 });
    const plans = plan(corpus) as Array<{ kind: string }>;
    expect(plans).toEqual(plan(twin));
    expect(plans.some((p) => p.kind === 'mutant')).toBe(true);
    expect(plans.some((p) => p.kind === 'fresh')).toBe(true);
  });

  it('a campaign is the same run for run, and half of it mutates what found new behaviour', () => {
    const setup = fuzzSetup({ protocol: 'broadcast', protocols });
    const trace = (): string[] => {
      const hashes: string[] = [];
      runCampaign(setup, { campaignSeed: 5, runs: 48, protocols, onOutcome: (o) => void hashes.push(o.traceHash) });
      return hashes;
    };
    const first = trace();
    expect(trace()).toEqual(first);
    const summary = runCampaign(setup, { campaignSeed: 5, runs: 48, protocols });
    expect(summary.mutants).toBeGreaterThan(8);
    expect(summary.corpus!.entries.length).toBeGreaterThan(3);
    const blind = runCampaign(setup, { campaignSeed: 5, runs: 48, protocols, feedback: false });
    expect(blind.mutants).toBe(0);
    expect(blind.corpus).toBeUndefined();
  });
});
