/**
 * What every run needs before and after it simulates, whatever drives it (the seed, or a choice
 * log): the protocol built and its check names validated; the verdict against `expect`.
 */
import type { AnyProtocol } from '../core/protocol.js';
import { didYouMean } from '../core/suggest.js';
import { describeThrown } from '../core/thrown.js';
import { ScenarioError, type Scenario } from '../scenario/resolve.js';
import { knownCheckNames, type CheckResult } from './checks.js';

export type Expectation = 'held' | 'broken' | 'inconclusive';

/**
 * Builds the scenario's protocol and checks that its check names exist. Throws ScenarioError: the
 * CLI calls it when it loads a file, so bad names are bad input before any run starts.
 */
export function prepareProtocol(scenario: Scenario): AnyProtocol {
  let protocol: AnyProtocol;
  try {
    protocol = scenario.protocol.create({ options: scenario.options, flaws: new Set(scenario.flaws), model: scenario.model });
  } catch (error) {
    // A definition that cannot build its protocol is unusable input, not a finding about a run.
    throw new ScenarioError(scenario.file, [{ path: ['protocol'], message: `${scenario.protocol.name}: create() threw: ${describeThrown(error).text}` }]);
  }
  validateChecks(scenario, protocol);
  return protocol;
}

function validateChecks(scenario: Scenario, protocol: AnyProtocol): void {
  const known = new Set(knownCheckNames(protocol));
  const issues = scenario.checks
    .map((name, i) => ({ name, i }))
    .filter(({ name }) => !known.has(name))
    .map(({ name, i }) => ({ path: ['checks', i] as (string | number)[], message: `unknown check ${JSON.stringify(name)}${didYouMean(name, known)}; expected one of: ${[...known].join(', ')}` }));
  if (scenario.expect !== 'pass') {
    scenario.expect.violates.forEach((name, i) => {
      if (!known.has(name)) issues.push({ path: ['expect', 'violates', i], message: `unknown check ${JSON.stringify(name)}${didYouMean(name, known)}; expected one of: ${[...known].join(', ')}` });
      else if (name !== 'health' && !scenario.checks.includes(name)) issues.push({ path: ['expect', 'violates', i], message: `${name} is expected to fail but is not in checks` });
    });
  }
  if (issues.length > 0) throw new ScenarioError(scenario.file, issues);
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

