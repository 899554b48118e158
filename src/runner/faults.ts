/**
 * Applies fault actions to a running simulation. Targets are resolved when the fault fires: a role
 * ("leader") means whoever holds it at that moment, "random" draws from the fault stream.
 */
import { assertNever } from '../core/assert.js';
import type { NodeId } from '../core/ids.js';
import type { FaultAction, PartitionRequest, TargetSpec } from '../faults/plan.js';
import { describePartition, type PartitionSpec } from '../network/partitions.js';
import type { Simulation } from '../kernel/simulation.js';
import type { Rng } from '../rng/index.js';

/** Roles that `random-other` avoids. */
const LEADING_ROLES = new Set(['leader', 'primary']);

export interface AppliedFault {
  readonly atUs: number;
  readonly description: string;
  /** True when the fault could not apply (no node held the role, the node was already down, ...). */
  readonly skipped: boolean;
}

export class FaultInjector {
  readonly applied: AppliedFault[] = [];
  private readonly partitions = new Map<string, number>();
  private readonly remembered = new Map<string, NodeId>();
  private readonly lyingDisks = new Set<NodeId>();

  constructor(
    private readonly sim: Simulation,
    private readonly rng: Rng,
    private readonly nodeIds: readonly NodeId[],
  ) {}

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
        if (action.kind === 'crash') sim.crash(node);
        else sim.pause(node);
        return this.record(`${action.kind} ${node}${node !== action.target ? ` (${action.target})` : ''}`);
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
        sim.setClock(node, { ...(action.offsetUs !== undefined ? { offsetUs: action.offsetUs } : {}), ...(action.drift !== undefined ? { drift: action.drift } : {}) });
        const parts = [action.offsetUs !== undefined ? `offset ${action.offsetUs / 1000}ms` : '', action.drift !== undefined ? `drift ${action.drift}` : ''].filter(Boolean);
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
      default:
        assertNever(action, 'fault action');
    }
  }

  /** The end of the main phase: every partition heals, bursts end, paused nodes resume, crashed ones restart. */
  healAll(restartCrashed: boolean): void {
    const sim = this.sim;
    sim.traceEvent({ kind: 'phase', phase: 'heal' });
    if (sim.network.activePartitions > 0) this.apply({ kind: 'heal' });
    sim.network.configure('reset');
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
    if (this.nodeIds.includes(target)) return target;
    const sim = this.sim;
    const eligible = this.nodeIds.filter((id) => {
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
    return this.nodeIds.find((id) => sim.nodeStatus(id) !== 'crashed' && sim.nodeStatus(id) !== 'stopped' && sim.roleOf(id) === target);
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
