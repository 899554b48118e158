/**
 * What every run needs before and after it simulates, whatever drives it (the seed, or a choice
 * log): the protocol built and its check names validated; the verdict against `expect`.
 */
import type { AnyProtocol } from '../core/protocol.js';
import { ScenarioError, type Scenario } from '../scenario/resolve.js';
import type { CheckResult } from './checks.js';
import { createProtocol, protocolIssues } from './validate.js';

export type Expectation = 'held' | 'broken' | 'inconclusive';

/**
 * Builds the scenario's protocol and checks what only the protocol knows: its check names, the
 * checks `expect` names, the roles faults target. Throws ScenarioError: the CLI validates when it
 * loads a file (see validate.ts), so bad names are bad input before any run starts.
 */
export function prepareProtocol(scenario: Scenario): AnyProtocol {
  const protocol = createProtocol(scenario);
  const issues = protocolIssues(scenario, protocol);
  if (issues.length > 0) throw new ScenarioError(scenario.file, issues);
  return protocol;
}

/**
 * `pass`: every check passes. `{ violates: [...] }`: those checks fail, every other passes.
 * An unknown verdict where it matters makes the run inconclusive rather than a guess.
 */
export function judgeExpectation(expect: Scenario['expect'], checks: readonly CheckResult[]): Expectation {
  const mustFail = new Set(expect === 'pass' ? [] : expect.violates);
  let inconclusive = false;
  for (const check of checks) {
    const wanted = mustFail.has(check.name) ? 'fail' : 'pass';
    if (check.verdict === 'unknown') inconclusive = true;
    else if (check.verdict !== wanted) return 'broken';
  }
  return inconclusive ? 'inconclusive' : 'held';
}

