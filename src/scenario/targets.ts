/**
 * A fault that cannot hit anything tests nothing, and used to be skipped silently when it fired:
 * `crash: n9` in a three-node cluster, `heal: p7` with no partition p7, `isolate leeder`, split
 * groups that share a node. Each is refused when the file is loaded, naming the fault and field.
 *
 * Node ids and partition names are checked here; role names need the protocol (which roles its
 * `role()` reports), so `roleIssues` is called once the protocol is known.
 */
import { didYouMean } from '../core/suggest.js';
import type { ScenarioIssue } from './issues.js';
import { echo } from './zod-issues.js';
import type { FaultEntry, ParsedScenario } from './schema.js';

/** Target words every protocol understands (see docs/SCENARIOS.md, Targets). */
export const TARGET_WORDS: readonly string[] = ['random', 'random-other'];

/** In a triggered fault (`on:`), the node its event happened on. */
const TRIGGER = 'trigger';

/** The fields of a fault entry that name one target, or a list of them. */
const SINGLE_TARGETS = ['crash', 'restart', 'pause', 'resume', 'skew', 'disk', 'slow', 'target', 'minorityWith', 'bridge'] as const;
const LIST_TARGETS = ['from', 'to'] as const;

const NODE_ID = /^n(\d+)$/;

/** Every target a fault names, with the path of the field that names it. */
function targetsOf(fault: FaultEntry): Array<{ field: (string | number)[]; target: string }> {
  const out: Array<{ field: (string | number)[]; target: string }> = [];
  for (const key of SINGLE_TARGETS) {
    const value = (fault as Record<string, unknown>)[key];
    if (typeof value === 'string') out.push({ field: [key], target: value });
  }
  for (const key of LIST_TARGETS) {
    const list = (fault as Record<string, unknown>)[key];
    if (Array.isArray(list)) list.forEach((value, i) => typeof value === 'string' && out.push({ field: [key, i], target: value }));
  }
  // A triggered fault's event may be narrowed to a node (an id or a role).
  const on = (fault as { on?: { node?: unknown } }).on;
  if (typeof on?.node === 'string') out.push({ field: ['on', 'node'], target: on.node });
  return out;
}

/**
 * Targets beyond the cluster, unknown partition names, overlapping groups (node-only lists are
 * checked by the schema). `nodes` is the cluster's node count (with groups, all groups' nodes).
 */
export function faultTargetIssues(s: ParsedScenario, nodes: number): ScenarioIssue[] {
  const total = nodes + s.spares;
  const issues: ScenarioIssue[] = [];
  const noSuchNode = (id: string): string | undefined => {
    const n = NODE_ID.exec(id);
    if (n === null) return undefined;
    const index = Number(n[1]);
    return index >= 1 && index <= total ? undefined : `node ${id} does not exist (the cluster has n1..n${total})`;
  };
  const partitions = new Map<string, number>();
  s.faults.forEach((fault, i) => {
    const at = (field: (string | number)[], message: string): void => void issues.push({ path: ['faults', i, ...field], message });
    for (const { field, target } of targetsOf(fault)) {
      const missing = noSuchNode(target);
      if (missing !== undefined) at(field, missing);
      else if (target.startsWith('@')) at(field, `${echo(target)}: a target is a node id, random, random-other or a role`);
      else if (target === TRIGGER && (fault as { on?: unknown }).on === undefined) at(field, 'trigger names the node a triggered fault\'s event happened on; this fault has no on:');
    }
    if (fault.partition !== undefined) partitions.set(fault.name ?? `p${i + 1}`, fault.at);
    if (fault.partition === 'split' && fault.groups !== undefined) {
      const seen = new Map<string, number>();
      fault.groups.forEach((group, g) =>
        group.forEach((id) => {
          const first = seen.get(id);
          if (first !== undefined && first !== g) at(['groups', g], `${id} is in groups ${first} and ${g}: a node belongs to one side of a split`);
          else seen.set(id, g);
        }),
      );
    }
    if (fault.partition === 'bridge') {
      const left = new Set(fault.left ?? []);
      for (const id of fault.right ?? []) if (left.has(id)) at(['right'], `${id} is on both sides of the bridge (left and right)`);
      if (fault.bridge !== undefined && (left.has(fault.bridge) || (fault.right ?? []).includes(fault.bridge))) at(['bridge'], `the bridge ${fault.bridge} cannot also be on one side`);
    }
    if (fault.heal !== undefined && fault.heal !== 'all') {
      const opened = partitions.get(fault.heal);
      if (opened === undefined) {
        const known = [...partitions.keys()];
        at(['heal'], `no partition named ${echo(fault.heal)} comes before it; ${known.length > 0 ? `partitions so far: ${known.join(', ')}` : 'no partition comes before it'} (or heal: all)`);
      }
    }
  });
  return issues;
}

/** The roles a protocol (or one group's protocol) can report, for checking role targets. */
export interface RoleScope {
  readonly protocol: string;
  /** undefined when it has a `role()` but declares no list (nothing to check against); [] when it has no roles. */
  readonly roles: readonly string[] | undefined;
}

/**
 * Role targets the protocol never reports. With groups, `db.primary` is checked against group
 * db's protocol and a bare role against every group's (an unknown group is groupTargetIssues').
 */
export function roleIssues(s: ParsedScenario, scope: RoleScope, groups?: ReadonlyMap<string, RoleScope>): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const unknownRole = (target: string, where: RoleScope, path: (string | number)[]): void => {
    if (where.roles === undefined || where.roles.includes(target)) return;
    issues.push({
      path,
      message:
        where.roles.length === 0
          ? `${echo(target)} is not a node id, random or random-other, and ${where.protocol} has no roles to target`
          : `${echo(target)} is not a node id, random, random-other or a role of ${where.protocol} (${where.roles.join(', ')})${didYouMean(target, where.roles)}`,
    });
  };
  s.faults.forEach((fault, i) => {
    const on = (fault as { on?: { event?: unknown; detail?: unknown } }).on;
    if (on?.event === 'role' && typeof on.detail === 'string' && scope.roles !== undefined && !scope.roles.includes(on.detail)) {
      issues.push({
        path: ['faults', i, 'on', 'became'],
        message:
          scope.roles.length === 0
            ? `${scope.protocol} has no roles: no node ever becomes ${echo(on.detail)}`
            : `no node of ${scope.protocol} ever becomes ${echo(on.detail)}${didYouMean(on.detail, scope.roles)}; its roles are ${scope.roles.join(', ')} (or any)`,
      });
    }
    for (const { field, target } of targetsOf(fault)) {
      if (isPlainTarget(target, field)) continue;
      const dot = target.indexOf('.');
      if (dot > 0 && groups !== undefined) {
        const group = groups.get(target.slice(0, dot));
        const inGroup = target.slice(dot + 1);
        if (group !== undefined && !isPlainTarget(inGroup, field)) unknownRole(inGroup, { protocol: `group ${target.slice(0, dot)} (${group.protocol})`, roles: group.roles }, ['faults', i, ...field]);
        continue;
      }
      if (dot > 0) continue; // a group target in a scenario without groups: groupTargetIssues says so
      unknownRole(target, scope, ['faults', i, ...field]);
    }
  });
  return issues;
}

function isPlainTarget(target: string, field: readonly (string | number)[]): boolean {
  return NODE_ID.test(target) || TARGET_WORDS.includes(target) || target === TRIGGER || (field[0] === 'restart' && target === 'all') || target.startsWith('@');
}
