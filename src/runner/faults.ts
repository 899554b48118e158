/**
 * Applies fault actions to a running simulation. Targets are resolved when the fault fires: a role
 * ("leader") means whoever holds it at that moment, "random" draws from the fault stream.
 */
import { assertNever } from '../core/assert.js';
import type { NodeId } from '../core/ids.js';
import type { FaultAction, PartitionRequest, TargetSpec, TriggerSpec } from '../faults/plan.js';
import { describePartition, type PartitionSpec } from '../network/partitions.js';
import type { ObservedKind, Simulation } from '../kernel/simulation.js';
import type { Rng } from '../rng/index.js';

/** Roles that `random-other` avoids. */
const LEADING_ROLES = new Set(['leader', 'primary']);

export interface AppliedFault {
  readonly atUs: number;
  readonly description: string;
  /** True when the fault could not apply (no node held the role, the node was already down, ...). */
  readonly skipped: boolean;
}

/** An armed trigger (a `trigger` action) waiting for its protocol moment. */
interface ArmedTrigger {
  readonly on: TriggerSpec;
  readonly delay: { readonly minUs: number; readonly maxUs: number };
  left: number;
  readonly action: FaultAction;
  readonly undo: { readonly afterUs: number; readonly action: FaultAction } | undefined;
}

export class FaultInjector {
  readonly applied: AppliedFault[] = [];
  private readonly partitions = new Map<string, number>();
  private readonly remembered = new Map<string, NodeId>();
  private readonly lyingDisks = new Set<NodeId>();
  /** Slow links by name, to take back exactly what was added. */
  private readonly slowed = new Map<string, { links: Array<[number, number]>; delayUs: number }>();
  private readonly triggers: ArmedTrigger[] = [];
  /** Firings so far: each binds its own names (`remember`, partitions) so overlapping ones stay apart. */
  private firings = 0;
  /** After the heal, faults a trigger scheduled earlier no longer apply. */
  private healed = false;
  /** Trigger delays draw from their own stream, so arming triggers shifts no other draw. */
  private readonly triggerRng: Rng;
  private readonly onObserved = (node: NodeId, kind: ObservedKind, detail: string): void => this.observed(node, kind, detail);

  constructor(
    private readonly sim: Simulation,
    private readonly rng: Rng,
    private readonly nodeIds: readonly NodeId[],
    /** Multi-group scenarios: each group's nodes, for targets `group.target` (`db.primary`). */
    private readonly groups?: ReadonlyMap<string, readonly NodeId[]>,
  ) {
    this.triggerRng = rng.fork('triggers');
  }

  apply(action: FaultAction): void {
    const sim = this.sim;
    switch (action.kind) {
      case 'partition': {
        const spec = this.resolvePartition(action.partition);
        if (spec === undefined) return this.skip(`partition ${action.partition.kind}: ${describeRequest(action.partition)} names no node right now`);
        const id = sim.network.partition(spec);
        if (action.name !== undefined) this.partitions.set(action.name, id);
        const description = describePartition(spec, (i) => this.nodeIds[i]!);
        sim.traceEvent({ kind: 'partition', id, description, ...(action.name !== undefined ? { name: action.name } : {}) });
        sim.mixHash(`partition:${description}`);
        return this.record(`partition ${action.name !== undefined ? `${action.name}: ` : ''}${description}`);
      }
      case 'heal': {
        if (action.name === undefined) {
          sim.network.heal();
          this.partitions.clear();
          sim.traceEvent({ kind: 'heal', description: 'all partitions' });
          sim.mixHash('heal');
          return this.record('heal all partitions');
        }
        const id = this.partitions.get(action.name);
        if (id === undefined) return this.skip(`heal ${action.name}: no such partition is active`);
        sim.network.heal(id);
        this.partitions.delete(action.name);
        sim.traceEvent({ kind: 'heal', id, description: action.name });
        sim.mixHash(`heal:${action.name}`);
        return this.record(`heal ${action.name}`);
      }
      case 'crash':
      case 'pause': {
        const node = this.resolve(action.target, 'up');
        if (node === undefined) return this.skip(`${action.kind} ${action.target}: no such node is up`);
        if (action.remember !== undefined) this.remembered.set(action.remember, node);
        const who = `${node}${node !== action.target ? ` (${action.target})` : ''}`;
        if (action.kind === 'pause') {
          sim.pause(node);
          return this.record(`pause ${who}`);
        }
        if (action.point !== undefined) {
          const { point, wipe, restartAfterUs } = action;
          sim.armCrashPoint(node, point, () => {
            if (wipe === true) sim.wipeDisk(node);
            this.record(`crash ${node} at its crash point (${point})${wipe === true ? ', disk wiped' : ''}`);
            if (restartAfterUs !== undefined) sim.at(sim.now + restartAfterUs, () => this.apply({ kind: 'restart', target: node }));
          });
          return this.record(`arm crash ${who} ${point}${wipe === true ? ' (and wipe its disk)' : ''}`);
        }
        sim.crash(node);
        if (action.wipe === true) sim.wipeDisk(node);
        return this.record(`crash ${who}${action.wipe === true ? ', disk wiped' : ''}`);
      }
      case 'restart': {
        if (action.target === 'all') {
          const crashed = this.nodeIds.filter((id) => sim.nodeStatus(id) === 'crashed');
          for (const id of crashed) sim.restart(id);
          return crashed.length > 0 ? this.record(`restart ${crashed.join(', ')}`) : this.skip('restart all: no node is crashed');
        }
        const node = this.resolve(action.target, 'crashed');
        if (node === undefined || sim.nodeStatus(node) !== 'crashed') return this.skip(`restart ${action.target}: not crashed`);
        sim.restart(node);
        return this.record(`restart ${node}`);
      }
      case 'resume': {
        const node = this.resolve(action.target, 'paused');
        if (node === undefined || sim.nodeStatus(node) !== 'paused') return this.skip(`resume ${action.target}: not paused`);
        sim.resume(node);
        return this.record(`resume ${node}`);
      }
      case 'clock': {
        const node = this.resolve(action.target, 'any');
        if (node === undefined) return this.skip(`skew ${action.target}: no such node`);
        sim.setClock(node, {
          ...(action.offsetUs !== undefined ? { offsetUs: action.offsetUs } : {}),
          ...(action.drift !== undefined ? { drift: action.drift } : {}),
          ...(action.resolutionUs !== undefined ? { resolutionUs: action.resolutionUs } : {}),
        });
        const parts = [
          action.offsetUs !== undefined ? `offset ${action.offsetUs / 1000}ms` : '',
          action.drift !== undefined ? `drift ${action.drift}` : '',
          action.resolutionUs !== undefined ? `resolution ${action.resolutionUs / 1000}ms` : '',
        ].filter(Boolean);
        return this.record(`skew ${node} ${parts.join(' ')}`);
      }
      case 'command': {
        const node = this.resolve(action.target, 'up');
        if (node === undefined) return this.skip(`command ${action.name} to ${action.target}: no such node is up`);
        sim.command(node, { name: action.name, args: action.args });
        return this.record(`command ${action.name} -> ${node}${Object.keys(action.args).length ? ' ' + JSON.stringify(action.args) : ''}`);
      }
      case 'disk': {
        const node = this.resolve(action.target, 'any');
        if (node === undefined) return this.skip(`disk ${action.target}: no such node`);
        if (action.remember !== undefined) this.remembered.set(action.remember, node);
        sim.setDisk(node, action.unsyncedUs);
        sim.traceEvent({ kind: 'note', node, event: action.unsyncedUs > 0 ? 'disk lies' : 'disk honest', data: { unsyncedUs: action.unsyncedUs } });
        if (action.unsyncedUs > 0) this.lyingDisks.add(node);
        else this.lyingDisks.delete(node);
        return this.record(action.unsyncedUs > 0 ? `disk ${node} lies: writes reach the disk ${action.unsyncedUs / 1000}ms late` : `disk ${node} honest again`);
      }
      case 'start': {
        if (sim.nodeStatus(action.target) !== 'stopped') return this.skip(`start ${action.target}: already started`);
        sim.startNode(action.target);
        return this.record(`start ${action.target}`);
      }
      case 'network': {
        sim.network.configure(action.change);
        sim.mixHash(`network:${JSON.stringify(action.change)}`);
        return this.record(action.change === 'reset' ? 'network back to normal' : `network ${JSON.stringify(action.change)}`);
      }
      case 'slow': {
        const node = this.resolve(action.target, 'any');
        const to = action.to === undefined ? this.nodeIds.filter((id) => id !== node && sim.nodeStatus(id) !== 'stopped') : action.to.map((t) => this.resolve(t, 'any'));
        if (node === undefined || to.includes(undefined)) return this.skip(`slow ${action.target}: names no node right now`);
        const a = this.nodeIds.indexOf(node);
        const others = [...new Set(to as NodeId[])].filter((id) => id !== node);
        if (others.length === 0) return this.skip(`slow ${node}: no other node on the link`);
        const links = others.flatMap((id): Array<[number, number]> => [[a, this.nodeIds.indexOf(id)], [this.nodeIds.indexOf(id), a]]);
        this.unslow(action.remember);
        sim.network.slow(links, action.delayUs);
        this.slowed.set(action.remember, { links, delayUs: action.delayUs });
        sim.mixHash(`slow:${node}>${others.join(',')}:${action.delayUs}`);
        return this.record(`slow links ${node} <-> ${others.join(', ')}: +${action.delayUs / 1000}ms`);
      }
      case 'unslow':
        return this.unslow(action.name) ? this.record(`links back to normal speed (${action.name})`) : this.skip(`unslow ${action.name}: not slow`);
      case 'trigger': {
        if (this.healed) return this.skip('trigger after the heal');
        if (this.triggers.length === 0) sim.observe(this.onObserved);
        this.triggers.push({ on: action.on, delay: action.delay, left: action.times, action: action.action, undo: action.undo });
        return this.record(`arm trigger: on ${describeTrigger(action.on)}, ${describeAction(action.action)}`);
      }
      default:
        assertNever(action, 'fault action');
    }
  }

  /** Takes back a slow link by name; false if there was none. */
  private unslow(name: string): boolean {
    const slowed = this.slowed.get(name);
    if (slowed === undefined) return false;
    this.sim.network.slow(slowed.links, -slowed.delayUs);
    this.slowed.delete(name);
    this.sim.mixHash(`unslow:${name}`);
    return true;
  }

  /** A protocol moment on `node`: fires every armed trigger it matches. */
  private observed(node: NodeId, kind: ObservedKind, detail: string): void {
    const sim = this.sim;
    for (const t of this.triggers) {
      if (t.left <= 0 || t.on.event !== kind) continue;
      if (t.on.detail !== undefined && t.on.detail !== detail) continue;
      if (t.on.node !== undefined && this.resolve(t.on.node, 'any') !== node) continue;
      t.left--;
      const suffix = `#${++this.firings}`;
      const { minUs, maxUs } = t.delay;
      const atUs = sim.now + (maxUs > minUs ? minUs + this.triggerRng.int(maxUs - minUs + 1) : minUs);
      sim.mixHash(`trigger:${kind}:${detail}:${node}:${atUs}`);
      this.record(`trigger: ${describeTrigger({ event: kind, detail })} on ${node}`);
      const action = bindTrigger(t.action, node, suffix);
      sim.at(atUs, () => (this.healed ? this.skip(`${describeAction(action)}: triggered, but the heal came first`) : this.apply(action)));
      if (t.undo !== undefined) {
        const undo = bindTrigger(t.undo.action, node, suffix);
        sim.at(atUs + t.undo.afterUs, () => this.apply(undo));
      }
    }
  }

  /** The end of the main phase: every partition heals, bursts end, paused nodes resume, crashed ones restart. */
  healAll(restartCrashed: boolean): void {
    const sim = this.sim;
    sim.traceEvent({ kind: 'phase', phase: 'heal' });
    // Faults aimed at protocol moments end with the main phase: nothing fires or crashes after it.
    this.healed = true;
    if (this.triggers.length > 0) {
      this.triggers.length = 0;
      sim.observe(undefined);
    }
    for (const id of this.nodeIds) sim.disarmCrashPoint(id);
    if (sim.network.activePartitions > 0) this.apply({ kind: 'heal' });
    sim.network.configure('reset');
    if (sim.network.slowLinks > 0) {
      sim.network.clearSlow();
      this.slowed.clear();
      sim.mixHash('unslow:all');
    }
    for (const node of [...this.lyingDisks]) this.apply({ kind: 'disk', target: node, unsyncedUs: 0 });
    for (const id of this.nodeIds) {
      if (sim.nodeStatus(id) === 'paused') this.apply({ kind: 'resume', target: id });
      if (restartCrashed && sim.nodeStatus(id) === 'crashed') this.apply({ kind: 'restart', target: id });
    }
  }

  private record(description: string): void {
    this.applied.push({ atUs: this.sim.now, description, skipped: false });
  }

  private skip(description: string): void {
    this.applied.push({ atUs: this.sim.now, description: `skipped: ${description}`, skipped: true });
  }

  /** A target to a node id: node ids as given, `@name` as remembered, `random`, or a role. */
  private resolve(target: TargetSpec, want: 'up' | 'crashed' | 'paused' | 'any'): NodeId | undefined {
    if (target.startsWith('@')) return this.remembered.get(target.slice(1));
    if (target === TRIGGER_TARGET) return undefined; // only meaningful inside a fired trigger, which binds it
    if (this.nodeIds.includes(target)) return target;
    let nodeIds = this.nodeIds;
    const dot = this.groups === undefined ? -1 : target.indexOf('.');
    if (dot > 0) {
      // `db.primary`: the target among the group's nodes only.
      const group = this.groups!.get(target.slice(0, dot));
      if (group === undefined) return undefined;
      nodeIds = group;
      target = target.slice(dot + 1);
      if (nodeIds.includes(target)) return target;
    }
    const sim = this.sim;
    const eligible = nodeIds.filter((id) => {
      const status = sim.nodeStatus(id);
      return want === 'any' ? status !== 'stopped' : status === want;
    });
    if (target === 'random') return eligible.length > 0 ? this.rng.pick(eligible) : undefined;
    if (target === 'random-other') {
      // Anyone but the node(s) in charge: the classic "a follower crashes" fault.
      const others = eligible.filter((id) => !LEADING_ROLES.has(sim.roleOf(id) ?? ''));
      return others.length > 0 ? this.rng.pick(others) : undefined;
    }
    // A role: the lowest id holding it (several may, in a split brain).
    return nodeIds.find((id) => sim.nodeStatus(id) !== 'crashed' && sim.nodeStatus(id) !== 'stopped' && sim.roleOf(id) === target);
  }

  private resolvePartition(request: PartitionRequest): PartitionSpec | undefined {
    const index = (id: NodeId): number => this.nodeIds.indexOf(id);
    const active = this.nodeIds.filter((id) => this.sim.nodeStatus(id) !== 'stopped');
    switch (request.kind) {
      case 'isolate': {
        const node = this.resolve(request.target, 'any');
        return node === undefined ? undefined : { kind: 'isolate', node: index(node) };
      }
      case 'split':
        return { kind: 'split', groups: request.groups.map((g) => g.map(index)) };
      case 'majority-minority': {
        const minoritySize = Math.floor((active.length - 1) / 2);
        if (minoritySize === 0) return undefined;
        const forced = request.minorityWith === undefined ? undefined : this.resolve(request.minorityWith, 'any');
        if (request.minorityWith !== undefined && forced === undefined) return undefined;
        const rest = this.rng.shuffled(active.filter((id) => id !== forced));
        const minority = forced === undefined ? rest.slice(0, minoritySize) : [forced, ...rest.slice(0, minoritySize - 1)];
        return { kind: 'split', groups: [minority.map(index).sort((a, b) => a - b)] };
      }
      case 'one-way': {
        const from = request.from.map((t) => this.resolve(t, 'any'));
        const to = request.to.map((t) => this.resolve(t, 'any'));
        if (from.includes(undefined) || to.includes(undefined)) return undefined;
        return { kind: 'one-way', from: (from as NodeId[]).map(index), to: (to as NodeId[]).map(index) };
      }
      case 'bridge': {
        const bridge = this.resolve(request.bridge, 'any');
        if (bridge === undefined) return undefined;
        let left = request.left;
        let right = request.right;
        if (left === undefined || right === undefined) {
          const others = this.rng.shuffled(active.filter((id) => id !== bridge));
          const half = Math.ceil(others.length / 2);
          left = left ?? others.slice(0, half).sort();
          right = right ?? others.filter((id) => !left!.includes(id)).sort();
        }
        return { kind: 'bridge', bridge: index(bridge), left: left.map(index), right: right.map(index) };
      }
    }
  }
}

/** The target that names the node a trigger's event happened on. */
export const TRIGGER_TARGET = 'trigger';

/**
 * The action a trigger runs when it fires on `node`: target `trigger` becomes the node, and the
 * names it remembers or heals get `suffix`, so two firings in flight never undo each other's fault.
 */
export function bindTrigger(action: FaultAction, node: NodeId, suffix: string): FaultAction {
  const t = (target: TargetSpec): TargetSpec => (target === TRIGGER_TARGET ? node : target.startsWith('@') ? `${target}${suffix}` : target);
  const named = <A extends { remember?: string }>(a: A): A => (a.remember !== undefined ? { ...a, remember: `${a.remember}${suffix}` } : a);
  switch (action.kind) {
    case 'partition': {
      const p = action.partition;
      const partition: PartitionRequest =
        p.kind === 'isolate'
          ? { kind: 'isolate', target: t(p.target) }
          : p.kind === 'majority-minority'
            ? p.minorityWith !== undefined
              ? { kind: 'majority-minority', minorityWith: t(p.minorityWith) }
              : p
            : p.kind === 'one-way'
              ? { kind: 'one-way', from: p.from.map(t), to: p.to.map(t) }
              : p.kind === 'bridge'
                ? { ...p, bridge: t(p.bridge) }
                : p;
      return { kind: 'partition', partition, ...(action.name !== undefined ? { name: `${action.name}${suffix}` } : {}) };
    }
    case 'heal':
      return action.name !== undefined ? { kind: 'heal', name: `${action.name}${suffix}` } : action;
    case 'crash':
    case 'pause':
    case 'disk':
      return named({ ...action, target: t(action.target) });
    case 'restart':
    case 'resume':
    case 'clock':
    case 'command':
      return { ...action, target: t(action.target) };
    case 'slow':
      return { ...action, target: t(action.target), ...(action.to !== undefined ? { to: action.to.map(t) } : {}), remember: `${action.remember}${suffix}` };
    case 'unslow':
      return { kind: 'unslow', name: `${action.name}${suffix}` };
    case 'start':
    case 'network':
    case 'trigger':
      return action;
    default:
      return assertNever(action, 'fault action');
  }
}

function describeTrigger(on: TriggerSpec): string {
  const what = on.detail ?? 'any';
  const event = (() => {
    switch (on.event) {
      case 'role':
        return `became ${what}`;
      case 'send':
      case 'deliver':
      case 'reply':
      case 'note':
        return `${on.event} ${what}`;
      case 'persist':
      case 'crash':
      case 'restart':
        return on.event;
    }
  })();
  return on.node !== undefined ? `${event} at ${on.node}` : event;
}

function describeAction(action: FaultAction): string {
  switch (action.kind) {
    case 'partition':
      return `partition ${action.partition.kind} ${describeRequest(action.partition)}`;
    case 'crash':
    case 'pause':
    case 'restart':
    case 'resume':
    case 'clock':
    case 'disk':
    case 'slow':
      return `${action.kind} ${action.target}${action.kind === 'crash' && action.point !== undefined ? ` at ${action.point}` : ''}`;
    case 'command':
      return `command ${action.name} -> ${action.target}`;
    default:
      return action.kind;
  }
}

function describeRequest(request: PartitionRequest): string {
  switch (request.kind) {
    case 'isolate':
      return request.target;
    case 'majority-minority':
      return request.minorityWith ?? 'random minority';
    case 'bridge':
      return request.bridge;
    default:
      return JSON.stringify(request);
  }
}
