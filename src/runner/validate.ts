/**
 * What a scenario file can only be checked against with its protocol in hand: check names,
 * `expect.violates`, and role targets. Run when a file is loaded (every file of a directory before
 * any runs), so a typo is bad input with its line — and again by every run.
 */
import type { AnyProtocol } from '../core/protocol.js';
import { describeThrown } from '../core/thrown.js';
import { didYouMean } from '../core/suggest.js';
import { ScenarioError, type Scenario, type ScenarioIssue } from '../scenario/resolve.js';
import { echo } from '../scenario/zod-issues.js';
import { roleIssues, type RoleScope } from '../scenario/targets.js';
import type { ScenarioGroup } from '../scenario/groups.js';
import { knownCheckNames } from './checks.js';
import { DEFAULT_LIMITS } from '../kernel/simulation.js';
import { estimateEvents, workloadEventsAtLeast } from '../scenario/estimate.js';

/** The scenario's protocol instance; a definition whose create() throws is unusable input. */
export function createProtocol(scenario: Scenario): AnyProtocol {
  try {
    return scenario.protocol.create({ options: scenario.options, flaws: new Set(scenario.flaws), model: scenario.model });
  } catch (error) {
    throw new ScenarioError(scenario.file, [{ path: ['protocol'], message: `${scenario.protocol.name}: create() threw: ${describeThrown(error).text}` }]);
  }
}

/** Unknown checks, expectations of checks that do not run, roles the protocol never reports. */
export function protocolIssues(scenario: Scenario, protocol: AnyProtocol): ScenarioIssue[] {
  const known = new Set(knownCheckNames(protocol));
  const expected = `expected one of: ${[...known].join(', ')}`;
  const issues: ScenarioIssue[] = [];
  scenario.checks.forEach((name, i) => {
    if (!known.has(name)) issues.push({ path: ['checks', i], message: `unknown check ${echo(name)}${didYouMean(name, known)}; ${expected}` });
  });
  if (scenario.expect !== 'pass') {
    scenario.expect.violates.forEach((name, i) => {
      if (!known.has(name)) issues.push({ path: ['expect', 'violates', i], message: `unknown check ${echo(name)}${didYouMean(name, known)}; ${expected}` });
      else if (name !== 'health' && !scenario.checks.includes(name)) issues.push({ path: ['expect', 'violates', i], message: `${name} is expected to fail but is not in checks` });
    });
  }
  const groups = scenario.groups === undefined ? undefined : groupRoles(scenario.groups);
  const roles = groups === undefined ? rolesOf(protocol) : unionOfRoles([...groups.values()]);
  issues.push(...roleIssues(scenario.source, { protocol: scenario.protocol.name, roles }, groups));
  return issues;
}

function rolesOf(protocol: AnyProtocol): readonly string[] | undefined {
  return protocol.role === undefined ? [] : protocol.roles;
}

/** Each group's roles, from an instance of its protocol (one that cannot be built declares none we know). */
function groupRoles(groups: readonly ScenarioGroup[]): Map<string, RoleScope> {
  const out = new Map<string, RoleScope>();
  for (const g of groups) {
    let roles: readonly string[] | undefined;
    try {
      roles = rolesOf(g.protocol.create({ options: g.options, flaws: new Set(g.flaws) }));
    } catch {
      roles = undefined; // the run's own create() reports it
    }
    out.set(g.name, { protocol: g.protocol.name, roles });
  }
  return out;
}

/** A bare role in a multi-group scenario may be any group's; unknown if one group's roles are. */
function unionOfRoles(scopes: readonly RoleScope[]): readonly string[] | undefined {
  if (scopes.some((s) => s.roles === undefined)) return undefined;
  return [...new Set(scopes.flatMap((s) => s.roles!))];
}

/**
 * A workload that needs more events than the run's budget cannot finish: refused up front, with
 * the arithmetic, rather than run for many minutes (and gigabytes) to end at its budget.
 */
export function budgetIssues(scenario: Scenario): ScenarioIssue[] {
  const budget = scenario.limits.events ?? DEFAULT_LIMITS.maxEvents;
  const least = workloadEventsAtLeast(scenario);
  if (least.events <= budget) return [];
  const path = scenario.workload.ratePerSecond !== undefined ? ['workload', 'rate'] : scenario.source.workload?.until !== undefined ? ['workload', 'until'] : ['duration'];
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    {
      path,
      message:
        `the run cannot finish: its workload alone takes at least ${n(least.events)} events (${least.basis}), more than its event budget of ${n(budget)}; ` +
        'shorten duration or workload.until, lower the rate, or raise limits.events',
    },
  ];
}

/**
 * A warning before a run that will probably end at its event budget: the estimate is rough (see
 * estimateEvents), so it is said, not enforced; the budget still ends the run if it comes to that.
 */
export function budgetWarning(scenario: Scenario): string | undefined {
  const budget = scenario.limits.events ?? DEFAULT_LIMITS.maxEvents;
  const estimate = estimateEvents(scenario);
  if (estimate === undefined || estimate.events <= budget) return undefined;
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  return (
    `about ${n(estimate.events)} events expected (${estimate.basis}), more than the event budget of ${n(budget)}: ` +
    'the run will probably end with budget-exceeded; shorten it, lower the rate, or raise limits.events'
  );
}

/** For ResolveOptions.validate: the issues, with create() failing as one of them. */
export function validateWithProtocol(scenario: Scenario): readonly ScenarioIssue[] {
  const budget = budgetIssues(scenario);
  try {
    return [...budget, ...protocolIssues(scenario, createProtocol(scenario))];
  } catch (error) {
    if (error instanceof ScenarioError) return [...budget, ...error.issues];
    throw error;
  }
}
