/**
 * Multi-group scenarios (`groups:`): each group is a service running its own protocol with its own
 * options and flaws; nodes are numbered across groups in declaration order. The groups run as one
 * composite protocol (protocols/common/groups.ts), which the rest of dsim sees as the scenario's
 * protocol.
 */
import type { NodeId } from '../core/ids.js';
import { promisesOf } from '../core/promises.js';
import type { Deployment, ProtocolDefinition, Promises } from '../core/protocol.js';
import { didYouMean } from '../core/suggest.js';
import { createGroupsProtocol } from '../protocols/common/groups.js';
import { serviceProtocols } from '../protocols/index.js';
import { MODEL_OPS } from '../workload/generators.js';
import type { ScenarioIssue } from './issues.js';
import { echo } from './zod-issues.js';
import type { ParsedScenario } from './schema.js';

export interface ScenarioGroup {
  readonly name: string;
  readonly protocol: ProtocolDefinition;
  /** Parsed options. */
  readonly options: unknown;
  readonly flaws: readonly string[];
  /** Global node ids, in order. */
  readonly nodes: readonly NodeId[];
}

/** Checks that judge the workload clients' history: they belong to the group the clients address. */
const HISTORY_CHECKS = new Set(['linearizable', 'durable', 'liveness', 'read-committed', 'snapshot-isolation', 'serializable', 'strict-serializable']);

export function lookupProtocol(
  name: string,
  path: readonly (string | number)[],
  protocols: ReadonlyMap<string, ProtocolDefinition>,
): { readonly protocol: ProtocolDefinition } | { readonly issue: ScenarioIssue } {
  const protocol = protocols.get(name);
  if (protocol !== undefined) return { protocol };
  return {
    issue: {
      path,
      message: `unknown protocol ${echo(name)}${didYouMean(name, protocols.keys())}; expected one of ${[...protocols.keys()].join(', ')}, or a module path such as ./my-protocol.ts`,
    },
  };
}

export function checkFlaws(protocol: ProtocolDefinition, flaws: readonly string[], path: readonly (string | number)[], issues: ScenarioIssue[]): void {
  const known = new Set((protocol.flaws ?? []).map((f) => f.name));
  flaws.forEach((flaw, i) => {
    if (!known.has(flaw)) issues.push({ path: [...path, i], message: `unknown flaw ${echo(flaw)} for ${protocol.name}${didYouMean(flaw, known)}; expected one of: ${[...known].join(', ') || '(none)'}` });
  });
}

/** The scenario's protocols and the service protocols that run only as groups (coordination, lock clients, store). */
function withServices(protocols: ReadonlyMap<string, ProtocolDefinition>): ReadonlyMap<string, ProtocolDefinition> {
  const all = new Map(protocols);
  for (const p of serviceProtocols) if (!all.has(p.name)) all.set(p.name, p);
  return all;
}

/** Validates each group (protocol, options, flaws, cluster fit); problems go to `issues`. */
export function resolveGroups(s: ParsedScenario, raw: unknown, protocols: ReadonlyMap<string, ProtocolDefinition>, issues: ScenarioIssue[]): ScenarioGroup[] {
  if (typeof raw === 'object' && raw !== null && 'nodes' in raw) issues.push({ path: ['nodes'], message: 'with groups, each group gives its own node count (groups.NAME.nodes)' });
  const groups: ScenarioGroup[] = [];
  let next = 1;
  for (const [name, g] of Object.entries(s.groups ?? {})) {
    const nodes = Array.from({ length: g.nodes }, (_, i) => `n${next + i}`);
    next += g.nodes;
    const found = lookupProtocol(g.protocol, ['groups', name, 'protocol'], protocols.has(g.protocol) ? protocols : withServices(protocols));
    if ('issue' in found) {
      issues.push(found.issue);
      continue;
    }
    const protocol = found.protocol;
    const parsed = protocol.parseOptions(g.options);
    if (!parsed.ok) for (const issue of parsed.issues) issues.push({ path: ['groups', name, 'options', ...issue.path], message: issue.message });
    checkFlaws(protocol, g.flaws, ['groups', name, 'flaws'], issues);
    if (parsed.ok && protocol.clusterIssues !== undefined) {
      for (const issue of protocol.clusterIssues({ options: parsed.value, flaws: new Set(g.flaws), nodes: g.nodes })) issues.push({ path: ['groups', name, 'options', ...issue.path], message: issue.message });
    }
    groups.push({ name, protocol, options: parsed.ok ? parsed.value : undefined, flaws: g.flaws, nodes });
  }
  return groups;
}

/** The group workload clients address by default: the first that serves a workload model (lock clients and coordination services do not). */
export function defaultService(groups: readonly ScenarioGroup[]): string {
  return (groups.find((g) => g.protocol.models.some((m) => m in MODEL_OPS)) ?? groups[0]!).name;
}

/** The composite definition the runner builds the run from: models are the clients' service's. */
export function groupsDefinition(groups: readonly ScenarioGroup[], service: string): ProtocolDefinition {
  const served = groups.find((g) => g.name === service) ?? groups[0];
  return {
    name: groups.map((g) => `${g.name}:${g.protocol.name}`).join(' + '),
    summary: `services ${groups.map((g) => `${g.name} (${g.protocol.name})`).join(', ')}`,
    models: served?.protocol.models ?? ['kv'],
    parseOptions: () => ({ ok: true, value: {} }),
    create: ({ model }) =>
      createGroupsProtocol(
        groups.map((g) => ({
          name: g.name,
          nodes: g.nodes,
          protocol: g.protocol.create({ options: g.options, flaws: new Set(g.flaws), ...(g.name === service && model !== undefined ? { model } : {}) }),
        })),
      ),
  };
}

/**
 * What a multi-group scenario without `checks:` is judged by: every group's promises, each under
 * its group's name (`db.converged`, `coord.mutual-exclusion`); all invariants (named by group);
 * and the checks of the workload's history for the group its clients address.
 */
export function groupPromises(groups: readonly ScenarioGroup[], run: GroupsRun): string[] {
  return [...groupsPromises(groups, run).checks];
}

interface GroupsRun {
  readonly service: string;
  readonly model: string;
  readonly clients: number;
  readonly healed: boolean;
  readonly commands: readonly string[];
}

/** Every group's promises together: the checks (as groupPromises names them) and what they all assume. */
function groupsPromises(groups: readonly ScenarioGroup[], run: GroupsRun): Promises {
  const checks = new Set<string>();
  let assumes: NonNullable<Promises['assumes']> = {};
  for (const g of groups) {
    if (g.options === undefined) continue;
    const served = g.name === run.service;
    const model = served ? run.model : (g.protocol.models[0] ?? 'kv');
    const promised = promisesOf(g.protocol, { options: g.options, model, nodes: g.nodes.length, healed: run.healed, commands: run.commands });
    for (const name of promised.checks) {
      if (name === 'invariants') checks.add(name);
      else if (HISTORY_CHECKS.has(name)) {
        if (served && run.clients > 0) checks.add(name);
      } else checks.add(`${g.name}.${name}`);
    }
    if (promised.assumes !== undefined) assumes = bothAssumed(assumes, promised.assumes);
  }
  return { checks: [...checks], ...(Object.keys(assumes).length > 0 ? { assumes } : {}) };
}

/** What two sets of promises assume together: the tighter bound of each. */
function bothAssumed(a: NonNullable<Promises['assumes']>, b: NonNullable<Promises['assumes']>): NonNullable<Promises['assumes']> {
  const least = (x: number | undefined, y: number | undefined): number | undefined => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const maxDelayUs = least(a.maxDelayUs, b.maxDelayUs);
  const recoveryUs = a.recoveryUs === undefined ? b.recoveryUs : b.recoveryUs === undefined ? a.recoveryUs : Math.max(a.recoveryUs, b.recoveryUs);
  const maxJumpUs = a.clock === undefined || b.clock === undefined ? undefined : least(a.clock.maxJumpUs, b.clock.maxJumpUs);
  const clock =
    a.clock === undefined ? b.clock : b.clock === undefined ? a.clock : { maxDrift: Math.min(a.clock.maxDrift, b.clock.maxDrift), ...(maxJumpUs !== undefined ? { maxJumpUs } : {}) };
  return { ...(maxDelayUs !== undefined ? { maxDelayUs } : {}), ...(recoveryUs !== undefined ? { recoveryUs } : {}), ...(clock !== undefined ? { clock } : {}) };
}

/**
 * What a run of a service's deployment (`ProtocolDefinition.deployment`) is judged by: every
 * group's promises, as a scenario of those groups without `checks:` is, and what they assume.
 * Throws when the deployment names an unknown protocol or invalid options (a bug in the deployment).
 */
export function deploymentPromises(deployment: Deployment, protocols: ReadonlyMap<string, ProtocolDefinition>, run: { readonly healed: boolean; readonly commands: readonly string[] }): Promises {
  const all = withServices(protocols);
  let next = 1;
  const groups: ScenarioGroup[] = Object.entries(deployment.groups).map(([name, g]) => {
    const protocol = all.get(g.protocol);
    if (protocol === undefined) throw new Error(`deployment group ${name}: unknown protocol ${g.protocol}`);
    const parsed = protocol.parseOptions(g.options ?? {});
    if (!parsed.ok) throw new Error(`deployment group ${name}: ${parsed.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const nodes = Array.from({ length: g.nodes }, (_, i) => `n${next + i}`);
    next += g.nodes;
    return { name, protocol, options: parsed.value, flaws: g.flaws ?? [], nodes };
  });
  // The workload's model is its service's first, as in a scenario whose workload names none.
  const model = groups.find((g) => g.name === deployment.workload.service)?.protocol.models[0] ?? 'kv';
  return groupsPromises(groups, { service: deployment.workload.service, model, clients: deployment.workload.clients, healed: run.healed, commands: run.commands });
}

const TARGET_FIELDS = ['target', 'minorityWith', 'bridge', 'crash', 'restart', 'pause', 'resume', 'skew', 'slow', 'disk'] as const;
const TARGET_LIST_FIELDS = ['from', 'to'] as const;

/** Fault targets `group.target` must name a group of the scenario (and only scenarios with groups have them). */
export function groupTargetIssues(faults: ParsedScenario['faults'], groups: readonly string[] | undefined): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const check = (target: string | undefined, path: readonly (string | number)[]): void => {
    const dot = target?.indexOf('.') ?? -1;
    if (target === undefined || dot <= 0) return;
    const group = target.slice(0, dot);
    if (groups === undefined) issues.push({ path, message: `${target} names group ${group}, but the scenario has no groups` });
    else if (!groups.includes(group)) issues.push({ path, message: `no group ${echo(group)}${didYouMean(group, groups)}; expected one of: ${groups.join(', ')}` });
  };
  faults.forEach((fault, i) => {
    for (const field of TARGET_FIELDS) check(fault[field], ['faults', i, field]);
    for (const field of TARGET_LIST_FIELDS) (fault[field] ?? []).forEach((t, j) => check(t, ['faults', i, field, j]));
    check(fault.on?.node, ['faults', i, 'on', 'node']);
  });
  return issues;
}
