/**
 * Scenarios of several services: each group of nodes runs its own protocol with its own options,
 * and the kernel runs them as one protocol, this composite, which hands each node's events to its
 * group's protocol. A node's state is `{ g, s }`: its group's index and its protocol's own state.
 *
 * A node of one group calls another group as a workload client does (core/services.ts): the
 * request travels as a `svc-request` message through the simulated network, the callee's protocol
 * sees an ordinary `onRequest`, and its `ctx.reply` travels back as `svc-reply` (request ids of
 * node calls start with `@`, which no workload client uses). So partitions, delays and crashes cut
 * service calls exactly as they cut node-to-node messages.
 *
 * Invariants and checks of each group's protocol are renamed `group.name` and see only that
 * group's nodes (unwrapped states); `group.converged` compares that group's views.
 */
import type { NodeId } from '../../core/ids.js';
import type { ClientRequest, OpResult } from '../../core/ops.js';
import type { AnyProtocol, ClusterView, Invariant, NodeContext, NodeStatus, NodeView, ProtocolCheck } from '../../core/protocol.js';
import type { RecordedOp, ServiceContext, ServiceMessage, ServiceProtocol } from '../../core/services.js';
import { checkConverged } from '../../checkers/generic.js';

export interface GroupSpec {
  readonly name: string;
  readonly protocol: AnyProtocol;
  /** The group's initial members (global node ids), in id order. */
  readonly nodes: readonly NodeId[];
}

/** What the runner lends the composite: history recording and belief deadlines in true time. */
export interface GroupsHost {
  record(node: NodeId, op: RecordedOp): void;
  believeHeld(node: NodeId, lock: string, untilMonoUs: number | undefined, renewal: boolean): void;
  /** A node booted again after a crash (before its protocol's init runs). */
  restarted(node: NodeId): void;
}

export interface GroupState {
  /** Index of the node's group. */
  readonly g: number;
  /** The group protocol's state. */
  readonly s: unknown;
}

export interface GroupsProtocol extends AnyProtocol {
  readonly groups: readonly GroupSpec[];
  /** The group a node belongs to. */
  groupOf(node: NodeId): GroupSpec | undefined;
  /** Called by the runner before the run starts. */
  attach(host: GroupsHost): void;
}

/** A node context that forwards to the kernel's, scoped to a group, with service calls. */
class GroupContext implements ServiceContext<unknown, unknown> {
  real!: NodeContext<unknown, unknown>;
  /** Restarts of this node so far: request ids stay unique across incarnations. */
  boots = 0;
  calls = 0;
  constructor(
    readonly self: NodeId,
    readonly group: string,
    readonly peers: readonly NodeId[],
    readonly members: readonly NodeId[],
    private readonly directory: ReadonlyMap<string, readonly NodeId[]>,
    private readonly host: () => GroupsHost | undefined,
  ) {}
  now(): number {
    return this.real.now();
  }
  monotonic(): number {
    return this.real.monotonic();
  }
  random(): number {
    return this.real.random();
  }
  send(to: NodeId, msg: unknown): void {
    this.real.send(to, msg);
  }
  setTimer(name: string, afterUs: number): void {
    this.real.setTimer(name, afterUs);
  }
  cancelTimer(name: string): void {
    this.real.cancelTimer(name);
  }
  persist(durable: unknown): void {
    this.real.persist(durable);
  }
  note(event: string, data?: Readonly<Record<string, unknown>>): void {
    this.real.note(event, data);
  }
  reply(requestId: string, result: OpResult): void {
    if (requestId.charCodeAt(0) !== AT) {
      this.real.reply(requestId, result);
      return;
    }
    const origin = requestId.slice(1, requestId.indexOf(':'));
    const msg: ServiceMessage = { type: 'svc-reply', requestId, result };
    this.real.send(origin, msg);
  }
  service(name: string): readonly NodeId[] {
    return this.directory.get(name) ?? [];
  }
  call(to: NodeId, request: { readonly client: string; readonly seq: number; readonly op: ClientRequest['op'] }): string {
    const id = `@${this.self}:${this.boots}:${++this.calls}`;
    const msg: ServiceMessage = { type: 'svc-request', request: { id, client: request.client, seq: request.seq, op: request.op } };
    this.real.send(to, msg);
    return id;
  }
  record(op: RecordedOp): void {
    this.host()?.record(this.self, op);
  }
  believeHeld(lock: string, untilMonoUs: number | undefined, renewal = false): void {
    this.host()?.believeHeld(this.self, lock, untilMonoUs, renewal);
  }
}

const AT = '@'.charCodeAt(0);

/** The composite protocol of a scenario's groups. */
export function createGroupsProtocol(groups: readonly GroupSpec[]): GroupsProtocol {
  const groupIndex = new Map<NodeId, number>();
  const directory = new Map<string, readonly NodeId[]>();
  groups.forEach((group, g) => {
    directory.set(group.name, group.nodes);
    for (const id of group.nodes) groupIndex.set(id, g);
  });
  let host: GroupsHost | undefined;
  const hostOf = (): GroupsHost | undefined => host;
  const contexts = new Map<NodeId, GroupContext>();
  const contextOf = (real: NodeContext<unknown, unknown>): GroupContext => {
    let ctx = contexts.get(real.self);
    if (ctx === undefined) {
      const group = groups[groupOf(real.self)]!;
      ctx = new GroupContext(real.self, group.name, group.nodes.filter((id) => id !== real.self), group.nodes, directory, hostOf);
      contexts.set(real.self, ctx);
    }
    ctx.real = real;
    return ctx;
  };
  const groupOf = (id: NodeId): number => {
    const g = groupIndex.get(id);
    if (g === undefined) throw new Error(`node ${id} belongs to no group`);
    return g;
  };
  const inner = (state: GroupState): ServiceProtocol<unknown, unknown, unknown> => groups[state.g]!.protocol;

  const invariants: Invariant<GroupState>[] = [];
  const checks: ProtocolCheck<GroupState>[] = [];
  groups.forEach((group, g) => {
    const views = new GroupViews(group);
    for (const inv of group.protocol.invariants ?? []) {
      invariants.push({
        name: `${group.name}.${inv.name}`,
        ...(inv.description !== undefined ? { description: `${group.name}: ${inv.description}` } : {}),
        monitor() {
          const check = inv.monitor();
          return (cluster) => {
            // Only this group's steps can change this group's states.
            if (cluster.changed !== undefined && groupIndex.get(cluster.changed.id) !== g) return undefined;
            return check(views.of(cluster));
          };
        },
      });
    }
    for (const c of group.protocol.checks ?? []) {
      checks.push({
        name: `${group.name}.${c.name}`,
        ...(c.description !== undefined ? { description: `${group.name}: ${c.description}` } : {}),
        ...(c.historyFree === true ? { historyFree: true } : {}),
        check: (input) => c.check({ ...input, nodes: views.unwrap(input.nodes) }),
      });
    }
    const view = group.protocol.view;
    if (view !== undefined) {
      checks.push({
        name: `${group.name}.converged`,
        description: `${group.name}: all up nodes of the group hold equal state after heal and quiescence`,
        historyFree: true,
        check: (input) =>
          checkConverged(
            views
              .unwrap(input.nodes)
              .filter((n) => n.status === 'up' && n.state !== undefined)
              .map((n) => ({ node: n.id, view: view(n.state) })),
            input.healed,
          ),
      });
    }
  });

  return {
    name: groups.map((g) => `${g.name}:${g.protocol.name}`).join(' + '),
    groups,
    groupOf: (node) => {
      const g = groupIndex.get(node);
      return g === undefined ? undefined : groups[g];
    },
    attach(h) {
      host = h;
    },
    init(real, durable) {
      const ctx = contextOf(real);
      if (++ctx.boots > 1) host?.restarted(real.self);
      ctx.calls = 0;
      const g = groupOf(real.self);
      return { g, s: groups[g]!.protocol.init(ctx, durable) } satisfies GroupState;
    },
    onMessage(state: GroupState, from, msg, real) {
      const ctx = contextOf(real);
      const p = inner(state);
      const m = msg as ServiceMessage | { type?: unknown };
      if (m.type === 'svc-request') p.onRequest(state.s, (m as { request: ClientRequest }).request, ctx);
      else if (m.type === 'svc-reply') {
        const reply = m as { requestId: string; result: OpResult };
        p.onReply?.(state.s, reply.requestId, reply.result, from, ctx);
      } else p.onMessage(state.s, from, msg, ctx);
    },
    onTimer(state: GroupState, timer, real) {
      inner(state).onTimer(state.s, timer, contextOf(real));
    },
    onRequest(state: GroupState, request, real) {
      inner(state).onRequest(state.s, request, contextOf(real));
    },
    onCommand(state: GroupState, command, real) {
      const p = inner(state);
      if (p.onCommand === undefined) throw new Error(`${groups[state.g]!.name} (${p.name}) takes no commands (got ${command.name})`);
      p.onCommand(state.s, command, contextOf(real));
    },
    role: (state: GroupState) => inner(state).role?.(state.s),
    summary: (state: GroupState) => {
      const p = inner(state);
      return `${groups[state.g]!.name}: ${p.summary?.(state.s) ?? p.role?.(state.s) ?? p.name}`;
    },
    invariants,
    checks,
  };
}

/** Views of one group's nodes with their protocol's own states, reused across steps. */
class GroupViews {
  private boundTo: readonly NodeView<GroupState>[] | undefined;
  private readonly nodes: UnwrappedNode[] = [];
  private readonly view: { nowUs: number; nodes: readonly NodeView<unknown>[]; changed: NodeView<unknown> | undefined; changedIndex: number | undefined } = {
    nowUs: 0,
    nodes: this.nodes,
    changed: undefined,
    changedIndex: undefined,
  };
  constructor(private readonly group: GroupSpec) {}

  of(cluster: ClusterView<GroupState>): ClusterView<unknown> {
    if (this.boundTo !== cluster.nodes) this.bind(cluster.nodes);
    const view = this.view;
    view.nowUs = cluster.nowUs;
    const changed = cluster.changed;
    if (changed === undefined) {
      view.changed = undefined;
      view.changedIndex = undefined;
    } else {
      const i = this.nodes.findIndex((n) => n.id === changed.id);
      view.changed = this.nodes[i];
      view.changedIndex = i;
    }
    return view;
  }

  unwrap(nodes: readonly NodeView<GroupState>[]): NodeView<unknown>[] {
    return nodes.filter((n) => this.group.nodes.includes(n.id)).map((n) => ({ id: n.id, status: n.status, state: n.state?.s }));
  }

  private bind(nodes: readonly NodeView<GroupState>[]): void {
    this.boundTo = nodes;
    this.nodes.length = 0;
    for (const node of nodes) if (this.group.nodes.includes(node.id)) this.nodes.push(new UnwrappedNode(node));
  }
}

/** A node view whose state is the group protocol's own (read through, so it never goes stale). */
class UnwrappedNode implements NodeView<unknown> {
  constructor(private readonly node: NodeView<GroupState>) {}
  get id(): NodeId {
    return this.node.id;
  }
  get status(): NodeStatus {
    return this.node.status;
  }
  get state(): unknown {
    return this.node.state?.s;
  }
}
