/**
 * A 64-node Raft cluster at 1,000 ops/s (issue #19: it used to run without end) completes, every
 * check held; the same cluster asked to run for five minutes is warned about before it runs, with
 * the estimate, because it will probably end at its event budget.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/kernel/simulation.js';
import { budgetIssues, budgetWarning } from '../../src/runner/index.js';
import { parseScenarioText } from '../../src/scenario/index.js';
import { protocols, run } from '../support/runs.js';

const file = 'test/fixtures/scenarios/raft-64-nodes.yaml';
const text = readFileSync(file, 'utf8');

describe('64-node Raft at 1,000 ops/s', () => {
  it('completes within its budget, every check held', () => {
    const scenario = parseScenarioText(text, file, { protocols });
    expect(budgetWarning(scenario)).toBeUndefined();
    const result = run(scenario);
    expect(result.checks.filter((c) => c.verdict !== 'pass')).toEqual([]);
    expect(result.events).toBeLessThan(DEFAULT_LIMITS.maxEvents);
    expect(result.ops.invoked).toBeGreaterThan(1_000);
  });

  it('for five minutes: warned about up front with the estimate (it can finish in principle, so it is not refused)', () => {
    const long = parseScenarioText(text.replace('duration: 3s', 'duration: 300s'), file, { protocols });
    expect(budgetIssues(long)).toEqual([]);
    expect(budgetWarning(long)).toMatch(/^about 30,780,000 events expected \(1,000 ops\/s for 300s; 16 clients issue about 240,000 of them.*more than the event budget of 20,000,000/);
  });
});
