/**
 * The protocol contract: the one interface every replication protocol implements, built-in or
 * user-written. A protocol is a set of handlers over plain-data state. Handlers never touch time,
 * randomness, I/O or globals: everything comes through the context, which records effects for the
 * kernel to apply after the handler returns, in a fixed order: persist, then sends, then timers,
 * then replies.
 *
 * State must be plain data (objects, arrays, strings, numbers, booleans, null; Maps and Sets are
 * tolerated): the kernel inspects it for invariants, views and reports. Handlers mutate it in place.
 */
import type { NodeId } from './ids.js';
import type { ClientRequest, OpResult } from './ops.js';
import type { History } from './history.js';

export interface NodeContext<Msg, Durable> {
  /** This node's id. */
  readonly self: NodeId;
  /** The initial members of the cluster other than this node, in id order. */
  readonly peers: readonly NodeId[];
  /** The initial members of the cluster, this node included if it is one, in id order. */
  readonly members: readonly NodeId[];
  /** This node's clock in microseconds: true time with this node's skew and drift applied. */
  now(): number;
  /**
   * This node's monotonic clock in microseconds (Go's monotonic reading, Java's nanoTime): it runs
   * at the node's clock rate (drift) but never jumps when the wall clock is set (a clock fault's
   * offset). Measure durations on it (leases, TTLs); timers run on it too.
   */
  monotonic(): number;
  /** This node's own seeded stream, uniform in [0, 1). */
  random(): number;
  /** Sends a message through the simulated network (it may be delayed, lost, duplicated, cut). */
  send(to: NodeId, msg: Msg): void;
  /** Arms a timer that fires after `afterUs` of this node's clock. Re-arming a name replaces it. */
  setTimer(name: string, afterUs: number): void;
  cancelTimer(name: string): void;
  /**
   * Makes `durable` this node's persisted value. It is copied when the step ends and is on disk
   * before this step's messages leave. Later mutations are not durable until persisted again.
   */
  persist(durable: Durable): void;
  /** Answers a client request (see OpResult for what each outcome promises the client). */
  reply(requestId: string, result: OpResult): void;
  /** A human-readable event in the trace (elections, promotions, ...). Not hashed into behaviour. */
  note(event: string, data?: Readonly<Record<string, unknown>>): void;
}

/** A command from the scenario to one node: promote, add-node, transfer-leadership, ... */
export interface AdminCommand {
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface Protocol<State, Msg, Durable = never> {
  readonly name: string;
  /** First boot (durable undefined) and every restart after a crash (the last persisted value). */
  init(ctx: NodeContext<Msg, Durable>, durable: Durable | undefined): State;
  onMessage(state: State, from: NodeId, msg: Msg, ctx: NodeContext<Msg, Durable>): void;
  onTimer(state: State, timer: string, ctx: NodeContext<Msg, Durable>): void;
  onRequest(state: State, request: ClientRequest, ctx: NodeContext<Msg, Durable>): void;
  /** Scenario commands addressed to this node; unknown commands should throw. */
  onCommand?(state: State, command: AdminCommand, ctx: NodeContext<Msg, Durable>): void;
  /** The node's role, where the protocol has them ('leader', 'primary', ...): faults can target roles. */
  role?(state: State): string | undefined;
  /**
   * Every value `role()` can return. With it, a scenario that targets another role (`isolate
   * leeder`) is refused when it is loaded instead of testing nothing; a protocol without `role()`
   * has no roles to target.
   */
  readonly roles?: readonly string[];
  /**
   * One line about the node's state for humans ("term 4 leader, commit 57 of 60"): reports show
   * the latest one when you hover a node. Called after steps only while a trace is recorded.
   */
  summary?(state: State): string;
  /**
   * A small abstraction of the node's state for coverage-guided fuzzing: a role and a few flags
   * ("leader, uncommitted entries of an earlier term"), never a counter, so a run can tell which
   * protocol situations it reached. Without it, the role stands for the state.
   */
  abstractState?(state: State): string;
  /**
   * The node's data as the clients would see it, as plain JSON (for convergence checks and reports);
   * for kv protocols a `Record<key, value>`.
   */
  view?(state: State): unknown;
  /** Safety properties over all nodes' states, checked after every step. */
  readonly invariants?: readonly Invariant<State>[];
  /** Protocol-specific end-of-run checks, selectable by name in scenario `checks`. */
  readonly checks?: readonly ProtocolCheck<State>[];
}

/** What an invariant sees after each step. */
export interface ClusterView<State> {
  readonly nowUs: number;
  readonly nodes: readonly NodeView<State>[];
  /**
   * What the clock of `nodes[index]` reads now (its `ctx.now()`: true time with its skew, drift
   * and resolution), to judge a promise a node makes on its own clock, such as a lease, against
   * true time. Undefined where the caller has no clocks to show.
   */
  readonly clockUs?: ((index: number) => number) | undefined;
  /**
   * The node whose step just ended, when the kernel checks after a step: no other node's state
   * changed since the previous check (crashes only drop a state), so a monitor may look at this
   * node alone. Undefined when the caller gives no such promise: look at every node then.
   */
  readonly changed?: NodeView<State> | undefined;
  /** Index of `changed` in `nodes`. */
  readonly changedIndex?: number | undefined;
}

export interface NodeView<State> {
  readonly id: NodeId;
  readonly status: NodeStatus;
  /** Volatile state; undefined while crashed or not yet started. */
  readonly state: State | undefined;
}

export type NodeStatus = 'up' | 'paused' | 'crashed' | 'stopped';

/**
 * A safety property. `monitor()` is called once per run and returns the per-step check, so an
 * invariant can remember the past (e.g. "at most one leader per term, ever").
 * The check returns undefined when the property holds, else a message naming the evidence.
 */
export interface Invariant<State> {
  readonly name: string;
  readonly description?: string;
  monitor(): (cluster: ClusterView<State>) => string | undefined;
}

/** An end-of-run check a protocol provides, over final node states and the history. */
export interface ProtocolCheck<State> {
  readonly name: string;
  readonly description?: string;
  /**
   * The check reads only the nodes' final states, never `history`: a streamed run (`--soak`),
   * which keeps no history, judges it as any run does instead of reporting it unknown.
   */
  readonly historyFree?: boolean;
  check(input: ProtocolCheckInput<State>): CheckVerdict;
}

export interface ProtocolCheckInput<State> {
  readonly nodes: readonly NodeView<State>[];
  readonly history: History;
  /** True when the scenario ends with every fault healed and a quiet period. */
  readonly healed: boolean;
  /**
   * With a heal: when the final reads begin (the heal plus half the quiet period), by which a
   * configuration that promises liveness has recovered.
   */
  readonly settledFromUs?: number;
}

export interface CheckVerdict {
  readonly verdict: 'pass' | 'fail' | 'unknown';
  /** One line for humans. */
  readonly detail: string;
  /** The smallest evidence: ops, node ids, states; plain JSON. */
  readonly evidence?: unknown;
}

/** A named deliberate mistake a protocol can run with, to show what the checkers catch. */
export interface FlawInfo {
  readonly name: string;
  readonly description: string;
  /**
   * Options without which the flawed code never runs (e.g. `{ reads: 'lease' }` for a flaw in
   * lease reads). `dsim fuzz --flaws` pins them; the rest of the configuration space is still drawn.
   */
  readonly needs?: Readonly<Record<string, unknown>>;
  /**
   * The checks that name the property the flaw breaks (`linearizable`, an invariant's name, ...):
   * a failure of one of these is the flaw found. Other failures may be side effects.
   */
  readonly breaks?: readonly string[];
}

/**
 * One dimension of a configuration space: a name and its alternatives (plain JSON values). The
 * first alternative is the default: shrinking a failure moves each dimension toward it.
 */
export interface ConfigDimension {
  readonly name: string;
  readonly values: readonly unknown[];
  readonly description?: string;
}

/**
 * The configurations a protocol can run with, as the fuzzer draws them: one value per dimension,
 * turned into scenario `options` by `options()`. Every combination must map to valid options, so
 * `options()` ignores a dimension where it does not apply (k without semi-sync) instead of
 * rejecting the draw: rejected draws would waste runs and would not shrink.
 */
export interface ConfigurationSpace {
  /** In shrink order: the dimensions that simplify a failure most come first. */
  readonly dimensions: readonly ConfigDimension[];
  /**
   * Scenario options (as written in a scenario file) for one value of every dimension and the
   * workload model. Omitted: the choice itself, with `null` values left out.
   */
  options?(choice: Readonly<Record<string, unknown>>, model: string): Record<string, unknown>;
}

/** What a configuration is judged by: the properties it promises, as check names. */
export interface Promises {
  /** Check names: generic (`linearizable`, `durable`, ...), invariants (all, or one by name), the protocol's own. */
  readonly checks: readonly string[];
  /**
   * The configuration applies a command once however often it arrives: a command resent with the
   * same client and sequence number (a retry after a timeout, at another node, or a duplicate on
   * the client's link) takes effect once (client sessions). The fuzzer then lets clients resend
   * timed-out commands and lets loss, duplication and reordering hit client links; without it,
   * clients send each command once over reliable links (partitions still cut them).
   */
  readonly exactlyOnce?: boolean;
  /**
   * Reads are served only once a write of the current leader's term has committed (Raft with no
   * no-op on election): a heal followed by reads alone would leave them waiting. A scenario of such
   * a configuration needs `workload.finalWrite` (as an application's own traffic would write) for
   * durability to be judged from final reads rather than left inconclusive; its fuzz runs open
   * the final phase with one (as do those of configurations with linearizable reads).
   */
  readonly readsWaitForWrite?: boolean;
  /**
   * What the promises assume of the environment; the fuzzer keeps its faults within it. A lease
   * is safe only while clocks drift and jump less than it allows for.
   */
  readonly assumes?: {
    /**
     * The longest one-way message delay the configuration's timeouts allow for (a request timeout,
     * an election timeout): liveness is promised on links no slower. The fuzzer's links stay within it.
     */
    readonly maxDelayUs?: number;
    /**
     * How long after every fault heals the configuration may need before it serves again:
     * failure detection, elections (with a split vote or two) and the clocks' drift, on the
     * configuration's own timeouts. Liveness is promised after that; the fuzzer makes its quiet
     * period long enough for it (default: the fuzz profile's quiet period is enough).
     */
    readonly recoveryUs?: number;
    readonly clock?: {
      /** Largest clock rate error on any node (0.01 = 1%). */
      readonly maxDrift: number;
      /** Largest clock jump, µs (absent: any; durations measured on the monotonic clock do not see jumps). */
      readonly maxJumpUs?: number;
    };
  };
}

/** What `promises()` is asked about. */
export interface PromiseQuery<Options> {
  /** Parsed options, as `create` gets them. */
  readonly options: Options;
  /** The workload's data model. */
  readonly model: string;
  /** Initial cluster size (quorum arithmetic may depend on it). */
  readonly nodes: number;
  /** True when the run ends with every fault healed and a quiet period (liveness can be judged). */
  readonly healed: boolean;
  /** The operator commands the run issues (`add-server`, `promote`, ...), each name once. */
  readonly commands: readonly string[];
}

/**
 * How a service that only other services' nodes use (a lock service, with the lock clients and the
 * resource they write) runs when it is fuzzed alone: the groups of a multi-group scenario.
 */
export interface DeploymentQuery {
  /** The service's scenario options, as drawn (its group's `options:`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** The configuration drawn, one value per dimension of the space (dimensions for the other groups too). */
  readonly choice: Readonly<Record<string, unknown>>;
  /** Named flaws to plant (the deployment puts each in the group it belongs to). */
  readonly flaws: readonly string[];
  readonly model: string;
  /** The service's own node count. */
  readonly nodes: number;
  /** How many clients use it. */
  readonly clients: number;
}

export interface DeploymentGroup {
  readonly protocol: string;
  readonly nodes: number;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly flaws?: readonly string[];
}

export interface Deployment {
  /** The groups, in node order (as a scenario's `groups:`). */
  readonly groups: Readonly<Record<string, DeploymentGroup>>;
  /**
   * The group workload clients address, and how many there are (0: the clients are nodes of a
   * group). With clients, the run's drawn workload (model, rate, keys, timeouts) addresses the service.
   */
  readonly workload: { readonly service: string; readonly clients: number };
  /**
   * Roles and notes of the other groups' nodes that fuzzed faults may wait for (a coordination
   * service's `leader`), besides the protocol's own from its fuzz profile.
   */
  readonly moments?: { readonly roles?: readonly string[]; readonly notes?: readonly string[] };
}

/** Picks among alternatives; the first is the default (what shrinking moves toward). */
export interface Chooser {
  pick<T>(values: readonly T[]): T;
}

/** The cluster an operator action acts on. */
export interface OperatorCluster {
  /** Initial members, in id order. */
  readonly nodes: readonly string[];
  /** Spare nodes (stopped until started), in id order. */
  readonly spares: readonly string[];
}

/**
 * One scenario entry of an operator action: a command to a node (a node id, `random`, or a role
 * such as `leader`, resolved when it fires), or starting a spare. `afterMs` is from the action's time.
 */
export type OperatorStep =
  | { readonly afterMs?: number; readonly command: string; readonly target: string; readonly args?: Readonly<Record<string, unknown>> }
  | { readonly afterMs?: number; readonly start: string };

/**
 * An operator action the fuzzer draws like a fault (membership change, leadership transfer,
 * manual promotion): the scenario entries that carry it out, which reach nodes through `onCommand`.
 */
export interface OperatorAction {
  readonly name: string;
  readonly description?: string;
  /** Spare nodes the action may start (e.g. a server to add); the fuzzer provides this many. */
  readonly spares?: number;
  steps(choose: Chooser, cluster: OperatorCluster): readonly OperatorStep[];
}

/** One problem with scenario options, with its path inside `options`. */
export interface OptionsIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type OptionsResult<Options> =
  | { readonly ok: true; readonly value: Options }
  | { readonly ok: false; readonly issues: readonly OptionsIssue[] };

/**
 * What a scenario names with `protocol:`. Built-ins register one; a user's module
 * (`--protocol ./my.ts`) may export one as default, or a bare Protocol.
 */
export interface ProtocolDefinition<Options = unknown> {
  readonly name: string;
  readonly summary: string;
  /** Client models this protocol serves (kv, register, counter, set, broadcast, ...). */
  readonly models: readonly string[];
  readonly flaws?: readonly FlawInfo[];
  /**
   * The configurations `dsim fuzz` draws from (one per run, as it draws faults). Without it, every
   * run uses the options given (`--options`), or the defaults.
   */
  readonly space?: ConfigurationSpace;
  /**
   * The properties a configuration promises for a workload model: the checks a scenario without
   * `checks:` is judged by, and the checks every fuzz run of that configuration is judged by (one
   * notion, not two tables). Without it, dsim picks invariants, linearizable for kv/register, and
   * converged + liveness after a heal.
   */
  promises?(query: PromiseQuery<Options>): Promises;
  /**
   * A service used by other services' nodes (not by workload clients), or a configuration that
   * needs another service (master-slave's `failover: coordinator`), says how it runs with them:
   * `dsim fuzz` then draws multi-group scenarios of this deployment, with faults aimed at every
   * group's nodes, and judges each run by every group's promises. `undefined`: this configuration
   * runs alone.
   */
  deployment?(query: DeploymentQuery): Deployment | undefined;
  /** Operator actions the protocol accepts in this configuration (through `onCommand`), drawn like faults. */
  operatorActions?(options: Options): readonly OperatorAction[];
  /** Validates scenario `options` (absent options arrive as {}). */
  parseOptions(raw: unknown): OptionsResult<Options>;
  /**
   * Problems with valid options for this cluster and these flaws (paths inside `options`), such
   * as quorum sizes that do not fit the node count. Called after `parseOptions` succeeds.
   */
  clusterIssues?(config: { readonly options: Options; readonly flaws: ReadonlySet<string>; readonly nodes: number }): readonly OptionsIssue[];
  create(config: {
    readonly options: Options;
    readonly flaws: ReadonlySet<string>;
    /** The workload's data model (kv, counter, set, ...), for protocols that serve several. */
    readonly model?: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }): Protocol<any, any, any>;
}

/** Type-erased protocol as the kernel holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocol = Protocol<any, any, any>;
