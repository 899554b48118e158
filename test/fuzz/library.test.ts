/**
 * The library example from docs/FUZZING.md ("Fuzzing from your own test suite"), run as written,
 * plus its failing twin: with a flaw, the property fails and fast-check shrinks the scenario.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertHeld, scenarioArbitrary, simulate, scenarioYaml, type ScenarioObject } from '../../src/fuzz/index.js';

describe('dsim fuzz as a library', () => {
  // --- the example in docs/FUZZING.md, verbatim ---
  it('gossip broadcast delivers every value under any faults', () => {
    fc.assert(
      fc.property(scenarioArbitrary({ protocol: 'broadcast' }), (scenario) => assertHeld(simulate(scenario))),
      { seed: 42, numRuns: 50 },
    );
  });
  // --- end of the example ---

  it('finds and shrinks a flaw: the property fails with the minimal scenario', () => {
    const details = fc.check(
      fc.property(scenarioArbitrary({ protocol: 'broadcast', flaws: ['no-persist'] }), (scenario) => simulate(scenario).expectation === 'held'),
      { seed: 42, numRuns: 100 },
    );
    expect(details.failed).toBe(true);
    const counterexample: ScenarioObject | undefined = details.counterexample?.[0];
    expect(counterexample, 'no-persist should fail within 100 runs').toBeDefined();
    // Fully shrunk: one fault (a crash) and the smallest cluster.
    expect(counterexample!.faults.length).toBe(1);
    expect(counterexample!.faults[0]!.crash).toBeDefined();
    expect(counterexample!.nodes).toBe(2);
    // ...and it is a scenario file.
    expect(scenarioYaml(counterexample!)).toMatch(/^protocol: broadcast$/m);
    // assertHeld says what went wrong, check by check, with the seed to replay it.
    expect(() => assertHeld(simulate(counterexample!))).toThrow(/BROKEN, expected every check to pass\n {2}✗ (broadcast-delivered|converged): .*\n[\s\S]*--seed \d+/);
  });
});
