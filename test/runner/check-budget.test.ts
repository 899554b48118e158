/**
 * The event budget bounds the check phase too: a check's search gets CHECK_STEPS_PER_EVENT steps
 * per event of `limits.events`, and a search that runs out is undecided (exit 2), saying which
 * budget it ran out of — never a guess, never an unbounded search.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/kernel/simulation.js';
import { CHECK_STEPS_PER_EVENT, checkSearchSteps, operationsOf, runCheck, prepareProtocol } from '../../src/runner/index.js';
import { run, scenario } from '../support/runs.js';

describe('the check phase under the event budget', () => {
  it('the search budget follows limits.events (default: the default budget)', () => {
    expect(checkSearchSteps(undefined)).toBe(CHECK_STEPS_PER_EVENT * DEFAULT_LIMITS.maxEvents);
    expect(checkSearchSteps(5_000)).toBe(CHECK_STEPS_PER_EVENT * 5_000);
  });

  it('a linearizability search that runs out of its budget is unknown and names the budget', () => {
    const s = scenario({ nodes: 3, duration: '1s', workload: { clients: 3, keys: 1, rate: '200/s' }, checks: ['linearizable'] });
    const result = run(s);
    expect(result.checks.find((c) => c.name === 'linearizable')?.verdict).toBe('pass');
    const input = {
      protocol: prepareProtocol(s),
      history: result.history,
      ops: operationsOf(result.history),
      nodes: [],
      findings: [],
      model: s.model,
      healed: true,
      finalReadFromUs: Infinity,
    };
    expect(runCheck('linearizable', { ...input, searchSteps: 3 })).toMatchObject({ verdict: 'unknown', detail: expect.stringContaining("the check's budget: 3 search steps") });
    expect(runCheck('linearizable', { ...input, searchSteps: checkSearchSteps(result.events) }).verdict).toBe('pass');
  });
});
