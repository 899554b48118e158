/**
 * The runner's side of multi-group scenarios: fault targets by group (`db.primary`), and the
 * history of nodes that embody clients (lock clients), recorded in true time into the run's
 * history, beliefs included: a lock client's belief that it holds a lock ends when its monotonic
 * clock reaches the lease it computed, whether or not it is running then (a paused client's belief runs
 * out all the same), and the history gets the release at that instant.
 */
import type { NodeId } from '../core/ids.js';
import type { AnyProtocol } from '../core/protocol.js';
import type { RecordedOp } from '../core/services.js';
import type { Simulation } from '../kernel/simulation.js';
import type { GroupsHost, GroupsProtocol } from '../protocols/common/groups.js';
import type { Scenario } from '../scenario/resolve.js';
import type { Workload } from '../workload/clients.js';

export function isGroupsProtocol(protocol: AnyProtocol): protocol is GroupsProtocol {
  return 'groups' in protocol && 'attach' in protocol;
}

/** Group name to its nodes, for `group.target` fault targets (undefined without groups). */
export function groupDirectory(scenario: Scenario): ReadonlyMap<string, readonly NodeId[]> | undefined {
  return scenario.groups === undefined ? undefined : new Map(scenario.groups.map((g) => [g.name, g.nodes]));
}

interface Belief {
  /** Bumped by every new deadline: a scheduled release of an older one is stale. */
  generation: number;
  held: boolean;
  /** The node's monotonic clock reading the belief ends at. */
  untilMonoUs: number;
}

export class GroupsRecorder implements GroupsHost {
  private readonly processes = new Map<NodeId, number>();
  private readonly beliefs = new Map<string, Belief>();
  /** Each node's op invoked and not yet answered. */
  private readonly open = new Map<NodeId, RecordedOp>();

  constructor(
    private readonly sim: Simulation,
    private readonly workload: Workload,
  ) {
    // A clock fault changes when a belief stated in the node's time ends: schedule it again.
    sim.onClockChange((node) => {
      for (const [key, belief] of this.beliefs) if (belief.held && key.startsWith(`${node}\u0000`)) this.schedule(node, key.slice(node.length + 1), belief);
    });
  }

  record(node: NodeId, op: RecordedOp): void {
    const process = this.processOf(node);
    this.workload.recordFor(process, node, op.type, { f: op.f, ...(op.key !== undefined ? { key: op.key } : {}), value: op.value }, op.value, op.error, node);
    if (op.type === 'invoke') this.open.set(node, op);
    else this.open.delete(node);
    // Jepsen: a process whose op is indeterminate never invokes again.
    if (op.type === 'info') this.processes.delete(node);
  }

  /**
   * A node restarted: the new incarnation knows nothing of the old one's request (its outcome is
   * unknown: `info`) or of the locks it believed it held (those beliefs end now, if their lease
   * had not run out already, which it does before the service frees the lock).
   */
  restarted(node: NodeId): void {
    const open = this.open.get(node);
    if (open !== undefined) this.record(node, { type: 'info', f: open.f, ...(open.key !== undefined ? { key: open.key } : {}), value: null, error: 'the client restarted before an answer' });
    for (const [key, belief] of this.beliefs) {
      if (!key.startsWith(`${node}\u0000`) || !belief.held) continue;
      belief.generation++;
      this.release(node, key.slice(node.length + 1), belief, 'the client restarted');
    }
  }

  believeHeld(node: NodeId, lock: string, untilMonoUs: number | undefined, renewal: boolean): void {
    const key = `${node}\u0000${lock}`;
    let belief = this.beliefs.get(key);
    if (belief === undefined) this.beliefs.set(key, (belief = { generation: 0, held: false, untilMonoUs: 0 }));
    if (untilMonoUs === undefined) {
      belief.generation++;
      if (belief.held) this.release(node, lock, belief, 'released');
      return;
    }
    if (!belief.held && renewal) {
      // A renewal after the belief ran out: the client believes again, so the history says so.
      this.record(node, { type: 'invoke', f: 'acquire', key: lock, value: 'renewed after its lease ran out' });
      this.record(node, { type: 'ok', f: 'acquire', key: lock, value: 'renewed after its lease ran out' });
    }
    belief.held = true;
    belief.untilMonoUs = untilMonoUs;
    this.schedule(node, lock, belief);
  }

  /** The release when the node's monotonic clock reaches the belief's end, at its current rate. */
  private schedule(node: NodeId, lock: string, belief: Belief): void {
    const generation = ++belief.generation;
    const atUs = Math.max(this.sim.now, this.sim.trueTimeWhenMonotonicReads(node, belief.untilMonoUs));
    this.sim.at(atUs, () => {
      if (belief.generation === generation && belief.held) this.release(node, lock, belief, 'lease ran out');
    });
  }

  private release(node: NodeId, lock: string, belief: Belief, why: string): void {
    belief.held = false;
    this.record(node, { type: 'invoke', f: 'release', key: lock, value: why });
    this.record(node, { type: 'ok', f: 'release', key: lock, value: why });
  }

  private processOf(node: NodeId): number {
    let process = this.processes.get(node);
    if (process === undefined) this.processes.set(node, (process = this.workload.newProcess()));
    return process;
  }
}
