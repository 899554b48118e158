/**
 * The kernel: virtual clock, event queue, node lifecycle, and the application of handler effects.
 *
 * One step = one handler call on one node. The handler's effects are buffered by its context and
 * applied after it returns, always in the same order: persist, then sends, then timers, then
 * replies. A crash discards volatile state, timers and anything not yet applied. Every processed
 * event feeds the running trace hash, so two runs agree iff their hashes agree.
 *
 * Clients and other non-protocol actors are "processes": endpoints that live in the zone of a home
 * node, send requests to nodes through the network and receive replies.
 */
import { assert } from '../core/assert.js';
import { PLAIN_DATA_MAX_DEPTH, PlainDataError, clonePlain, explainTooDeep } from '../core/clone.js';
import { describeThrown } from '../core/thrown.js';
import type { NodeId } from '../core/ids.js';
import type { ClientRequest, OpResult } from '../core/ops.js';
import type { AdminCommand, AnyProtocol, NodeStatus, NodeView } from '../core/protocol.js';
import type { Rng } from '../rng/index.js';
import { DROP_LOSS, DROP_PARTITION, type Network } from '../network/network.js';
import { TraceHash, ValueHasher } from '../trace/hash.js';
import type { DropReason, TraceEvent, TraceSink } from '../trace/events.js';
import { exactLocalTime, localTime, monotonicTime, trueDelay, trueTimeWhenMonotonicReads, trueTimeWhenReads } from './clock.js';
import { makeNodeContext, type ContextHost } from './context.js';
import { StepEffects, TIMER_CANCEL } from './effects.js';
import { isFatal, type Finding, type FindingKind } from './findings.js';
import { InvariantMonitors } from './monitors.js';
import { NodeSlot, TimerRecord } from './node-slot.js';
import { EventKind, EventQueue, type SimEvent } from './queue.js';
import { STEP_CALL, STEP_COMMAND, STEP_INIT, STEP_MESSAGE, STEP_REINIT, STEP_REQUEST, STEP_TIMER, describeStep, messageType, type StepKind } from './steps.js';
import { DEFAULT_LIMITS, PROGRESS_EVERY, emptySimStats, type CrashPoint, type KernelLimits, type ProcessHandler, type SimStats, type SimulationOptions, type StepObserver } from './types.js';
import { CallKind, WATCH, beat, cachedNameId, enterCall, leaveCall, type CallWatch } from './watch.js';

export * from './types.js';
export { messageType } from './steps.js';


export class Simulation {
  readonly seed: string;
  readonly protocol: AnyProtocol;
  readonly network: Network;
  readonly limits: KernelLimits;
  readonly stats: SimStats = emptySimStats();
  readonly findings: Finding[] = [];

  private nowUs = 0;
  /** Up nodes in the role `leader`, and since when none has been (undefined while one is). */
  private leaders = 0;
  private leaderlessSinceUs: number | undefined = 0;
  private eventCount = 0;
  private instantUs = -1;
  private instantEvents = 0;
  private stopped = false;
  private readonly queue: EventQueue;
  private readonly hash = new TraceHash();
  /** Contents of messages, replies and persisted values feed the hash: same hash, same data. */
  private readonly values = new ValueHasher(PLAIN_DATA_MAX_DEPTH, (value) => new PlainDataError(`not plain data: ${explainTooDeep(value)}`));
  private readonly slots: NodeSlot[];
  private readonly indexOf = new Map<NodeId, number>();
  private readonly members: readonly NodeId[];
  private readonly processes: ProcessHandler[] = [];
  private readonly processNames: string[] = [];
  /** Endpoints by process name: a request id `name:...` from process `name` is answered by name. */
  private readonly processByName = new Map<string, number>();
  /** Requests whose id does not start with their sender's name (rare: tests, custom actors). */
  private readonly replyTo = new Map<string, number>();
  private readonly trace: TraceSink | undefined;
  private nextMessageId = 1;
  private readonly monitors: InvariantMonitors;
  /** The watchdog's cells and name table, when watched. */
  private readonly cells: Int32Array | undefined;
  private readonly callWatch: CallWatch | undefined;
  private readonly callName: ((name: string) => number) | undefined;
  private readonly senderName: ((name: string) => number) | undefined;
  private readonly onProgress: ((events: number) => void) | undefined;
  private currentKind: StepKind | -1 = -1;
  private currentArg: unknown = undefined;
  private currentFrom = '';
  /** Reports protocol moments for event-triggered faults; undefined unless a scenario has some. */
  private observer: StepObserver | undefined = undefined;
  private clockListener: ((id: NodeId) => void) | undefined;
  private faultObserver: StepObserver | undefined = undefined;
  private watcher: StepObserver | undefined = undefined;
  /** Draws for crash points (how many messages of a partial broadcast leave); forked on first use. */
  private crashRng: Rng | undefined = undefined;
  private readonly rootRng: Rng;

  /** Effect buffers of the step in progress, and whose step it is. */
  private readonly effects = new StepEffects();

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.protocol = options.protocol;
    this.network = options.network;
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.queue = new EventQueue(this.limits.maxQueue);
    this.trace = options.trace;
    this.onProgress = options.onProgress;
    this.members = [...options.members];
    this.rootRng = options.rng;
    this.callWatch = options.callWatch;
    this.cells = options.callWatch?.cells;
    this.callName = options.callWatch !== undefined ? cachedNameId(options.callWatch) : undefined;
    this.senderName = options.callWatch !== undefined ? cachedNameId(options.callWatch) : undefined;
    assert(options.network.nodeCount === options.nodeIds.length, 'network and kernel disagree on the node count');
    const nodeStreams = options.rng.fork('node');
    // The contexts' methods are called by protocol code; they reach the kernel through this host.
    const host: ContextHost = {
      effects: this.effects,
      indexOf: this.indexOf,
      members: this.members,
      localTime: (slot) => localTime(slot.clock, this.nowUs),
      monotonicTime: (slot) => monotonicTime(slot.clock, this.nowUs),
      note: (slot, event, data) => this.noteFrom(slot, event, data),
    };
    this.slots = options.nodeIds.map((id, index) => {
      assert(!this.indexOf.has(id), `duplicate node id ${id}`);
      this.indexOf.set(id, index);
      const slot = new NodeSlot(id, index, nodeStreams.fork(id));
      slot.ctx = makeNodeContext(slot, host);
      return slot;
    });
    for (const m of this.members) assert(this.indexOf.has(m), `member ${m} is not a node`);
    const wantInvariants = options.checkInvariants ?? true;
    // The monitors' factories are protocol code too: watched like any call (see monitors.ts).
    this.monitors = new InvariantMonitors({
      invariants: wantInvariants ? (this.protocol.invariants ?? []) : [],
      nodes: this.slots,
      callWatch: options.callWatch,
      report: (name, message) => this.finding('invariant', message, undefined, undefined, name),
    });
  }

  // ---------------------------------------------------------------- queries

  get now(): number {
    return this.nowUs;
  }
  get events(): number {
    return this.eventCount;
  }
  /**
   * The running hash, with what is on every node's disk at the end. Persisted data enters the
   * hash when it is read back (a restart) and here: every persisted value that can matter to the
   * run is covered, and a persist costs no walk of the data (a Raft log grows without bound).
   */
  get traceHash(): string {
    const h = this.hash.copy();
    for (const slot of this.slots) {
      if (slot.hasDurable) h.mix(this.safeValueHash(slot.durable));
      for (const w of slot.unsynced) h.mix(this.safeValueHash(w.value));
    }
    return h.hex();
  }
  /** Whether trace events are recorded (callers skip building them when not). */
  get tracing(): boolean {
    return this.trace !== undefined;
  }
  get isStopped(): boolean {
    return this.stopped;
  }
  get pendingEvents(): number {
    return this.queue.size;
  }
  get nodes(): readonly NodeView<unknown>[] {
    return this.slots;
  }
  nodeIndex(id: NodeId): number {
    const index = this.indexOf.get(id);
    if (index === undefined) throw new Error(`unknown node ${id}`);
    return index;
  }
  nodeStatus(id: NodeId): NodeStatus {
    return this.slots[this.nodeIndex(id)]!.status;
  }
  /** The node's role per the protocol, while it is up or paused. */
  roleOf(id: NodeId): string | undefined {
    const slot = this.slots[this.nodeIndex(id)]!;
    return this.safeRole(slot);
  }
  /** What is on the node's disk now (synced writes only, under a lying disk). */
  durableOf(id: NodeId): unknown {
    const slot = this.slots[this.nodeIndex(id)]!;
    this.syncDisk(slot);
    return slot.durable;
  }

  /**
   * Makes the node's disk lie: from now on a persist becomes durable only `unsyncedUs` later, and
   * a crash loses what has not synced (0 restores an honest disk; pending writes then sync).
   */
  setDisk(id: NodeId, unsyncedUs: number): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    assert(unsyncedUs >= 0 && Number.isFinite(unsyncedUs), 'unsynced time must be a finite number >= 0');
    this.hash.mix(0xa000 + slot.index);
    if (unsyncedUs === 0) {
      for (const w of slot.unsynced) w.syncedAtUs = this.nowUs;
      this.syncDisk(slot);
    }
    slot.unsyncedUs = unsyncedUs;
  }
  /**
   * Permanent node loss: the crashed node's disk is replaced by an empty one (synced and unsynced
   * writes alike), so its restart boots like a new machine with the same identity.
   */
  wipeDisk(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    assert(slot.status === 'crashed' || slot.status === 'stopped', `wipeDisk(${id}): only a node that is down can lose its disk`);
    this.hash.mix(0xb000 + slot.index);
    slot.durable = undefined;
    slot.hasDurable = false;
    slot.unsynced = [];
    this.emit({ kind: 'note', node: id, event: 'disk wiped', data: {} });
  }

  /**
   * Arms a crash inside the node's next step whose effects reach `point` (see CrashPoint);
   * `onCrash` runs right after the crash. Re-arming replaces; `disarmCrashPoint` cancels.
   */
  armCrashPoint(id: NodeId, point: CrashPoint, onCrash?: () => void): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    this.hash.mix(0xc000 + slot.index);
    slot.crashPoint = { point, onCrash };
  }

  disarmCrashPoint(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    if (slot.crashPoint === undefined) return;
    this.hash.mix(0xc800 + slot.index);
    slot.crashPoint = undefined;
  }

  /** Whether a crash point is armed on the node. */
  crashPointArmed(id: NodeId): boolean {
    return this.slots[this.nodeIndex(id)]!.crashPoint !== undefined;
  }

  /**
   * Reports protocol moments (role changes, persists, sends, deliveries, timers, replies, notes,
   * crashes, restarts) to `observer` from now on. One observer; undefined stops. Costs nothing when
   * unset. (Faults triggered by protocol events use it.)
   */
  observe(observer: StepObserver | undefined): void {
    this.faultObserver = observer;
    this.combineObservers();
  }

  /**
   * A second observer of the same moments, independent of `observe`: one that watches the run
   * without acting on it (coverage feedback in `dsim fuzz`). Undefined stops.
   */
  watch(observer: StepObserver | undefined): void {
    this.watcher = observer;
    this.combineObservers();
  }

  private combineObservers(): void {
    const a = this.faultObserver;
    const b = this.watcher;
    const before = this.observer;
    this.observer =
      a !== undefined && b !== undefined
        ? (node, kind, detail) => {
            a(node, kind, detail);
            b(node, kind, detail);
          }
        : (a ?? b);
    if (before === undefined && this.observer !== undefined) for (const slot of this.slots) slot.observedRole = this.safeRole(slot);
  }

  /** The node's clock reading now. */
  clockOf(id: NodeId): number {
    return localTime(this.slots[this.nodeIndex(id)]!.clock, this.nowUs);
  }

  /**
   * The true time at which the node's clock reads `localUs`, at its current offset and rate (a
   * later clock fault moves it): when a node's belief stated in its own time runs out.
   */
  trueTimeWhenClockReads(id: NodeId, localUs: number): number {
    return trueTimeWhenReads(this.slots[this.nodeIndex(id)]!.clock, localUs);
  }

  /** The node's monotonic clock reading now. */
  monotonicOf(id: NodeId): number {
    return monotonicTime(this.slots[this.nodeIndex(id)]!.clock, this.nowUs);
  }

  /** Called after every clock change (a fault's skew), with the node: a belief stated in its time moves. */
  onClockChange(listener: ((id: NodeId) => void) | undefined): void {
    this.clockListener = listener;
  }

  /** The true time at which the node's monotonic clock reads `monoUs`, at its current rate. */
  trueTimeWhenMonotonicReads(id: NodeId, monoUs: number): number {
    return trueTimeWhenMonotonicReads(this.slots[this.nodeIndex(id)]!.clock, monoUs);
  }

  processName(endpoint: number): string {
    return this.processNames[endpoint - this.slots.length] ?? `?${endpoint}`;
  }

  // ---------------------------------------------------------------- scheduling

  /** Runs `fn` at virtual time `atUs` (not before now). Ties with other events keep insertion order. */
  at(atUs: number, fn: () => void): void {
    const ev = this.queue.obtain();
    ev.time = Math.max(this.nowUs, Math.round(atUs));
    ev.kind = EventKind.Call;
    ev.target = -1;
    ev.source = -1;
    ev.payload = fn;
    this.enqueue(ev);
  }

  /** Boots the initial members (their `init` runs at the current time, in id order). */
  start(): void {
    for (const id of this.members) this.startNode(id);
  }

  /**
   * Processes events up to and including time `untilUs`, then leaves the clock at `untilUs`.
   * Stops early on a fatal finding.
   */
  run(untilUs: number): void {
    const queue = this.queue;
    const maxEvents = this.limits.maxEvents;
    while (!this.stopped) {
      const ev = queue.peek();
      if (ev === undefined || ev.time > untilUs) break;
      queue.pop();
      assert(ev.time >= this.nowUs, 'time went backwards');
      this.nowUs = ev.time;
      if ((++this.eventCount & (PROGRESS_EVERY - 1)) === 0) {
        // Work between calls (drops, timer moves, arrivals) is progress too.
        if (this.cells !== undefined) beat(this.cells);
        if (this.onProgress !== undefined) this.onProgress(this.eventCount);
      }
      if (this.eventCount > maxEvents) {
        this.finding('budget-exceeded', `the run exceeded its budget of ${maxEvents} events (a livelock or message storm, or raise limits.events)`);
        break;
      }
      if (ev.time === this.instantUs) {
        if (++this.instantEvents > this.limits.maxEventsPerInstant) {
          this.finding('livelock', `more than ${this.limits.maxEventsPerInstant} events at virtual time ${ev.time}µs: time stopped advancing`);
          break;
        }
      } else {
        this.instantUs = ev.time;
        this.instantEvents = 1;
      }
      this.hash.mix(ev.time);
      this.hash.mix((ev.kind << 24) ^ ev.target);
      this.dispatch(ev);
      queue.recycle(ev);
    }
    if (!this.stopped && untilUs > this.nowUs && Number.isFinite(untilUs)) this.nowUs = untilUs;
  }

  /** Counts one processed event for `fire`: the heartbeat, and the event budget (false: exceeded, the run stops). `run` inlines the same. */
  private countEvent(maxEvents: number): boolean {
    if ((++this.eventCount & (PROGRESS_EVERY - 1)) === 0 && this.onProgress !== undefined) this.onProgress(this.eventCount);
    if (this.eventCount <= maxEvents) return true;
    this.finding('budget-exceeded', `the run exceeded its budget of ${maxEvents} events (a livelock or message storm, or raise limits.events)`);
    return false;
  }

  // ---------------------------------------------------------------- explicit choices
  //
  // `run` takes the earliest pending event every time: the seeded chooser, whose choices were
  // drawn when each message was routed (delay, loss, duplication). A driver that chooses itself
  // (dsim explore, or a recorded choice log replayed) asks which events are pending and fires the
  // one it picks, at the time it picks (never before now); it may also drop or duplicate a
  // pending message. Handlers, effects, invariants and the trace hash are exactly those of `run`.
  // Nothing here is on `run`'s path.

  /**
   * The events that may happen next, in no particular order (the queue's own array: read it
   * before firing, dropping or duplicating anything). Timer events that stand for a timer since
   * cancelled, re-armed or lost in a crash are removed first, so each armed timer appears once.
   */
  choosable(): readonly SimEvent[] {
    const entries = this.queue.entries();
    let stale: SimEvent[] | undefined;
    for (const ev of entries) if (ev.kind === EventKind.Timer && this.liveTimer(ev) === undefined) (stale ??= []).push(ev);
    if (stale !== undefined) {
      for (const ev of stale) {
        this.queue.remove(ev);
        this.queue.recycle(ev);
      }
    }
    return this.queue.entries();
  }

  /** When a pending timer event is due (its timer may have been re-armed since it was queued). */
  timerDueUs(ev: SimEvent): number {
    const timer = this.liveTimer(ev);
    assert(timer !== undefined, 'timerDueUs: not a live timer event');
    return timer.dueUs;
  }

  /**
   * Processes the pending event `ev` now, with the clock moved to `atUs` (at least now): a
   * delivery, a timer firing, a reply to a client, as `run` would when its turn came.
   */
  fire(ev: SimEvent, atUs: number): void {
    assert(!this.stopped, 'fire: the run has stopped');
    assert(atUs >= this.nowUs, 'fire: time cannot go backwards');
    if (!this.queue.remove(ev)) throw new Error('fire: the event is not pending');
    if (ev.kind === EventKind.Timer) {
      const timer = this.liveTimer(ev);
      // Fire it rather than let it move itself to a later deadline: the driver chose this moment.
      if (timer !== undefined) {
        ev.time = timer.dueUs;
        ev.seq = timer.seq;
      }
    }
    this.nowUs = atUs;
    if (!this.countEvent(this.limits.maxEvents)) return;
    this.hash.mix(atUs);
    this.hash.mix((ev.kind << 24) ^ ev.target);
    this.dispatch(ev);
    this.queue.recycle(ev);
  }

  /** Loses the pending message, request or reply `ev` in the network (counted as a loss). */
  discard(ev: SimEvent): void {
    assert(ev.kind === EventKind.Message || ev.kind === EventKind.Request || ev.kind === EventKind.Reply, 'discard: only messages can be lost');
    if (!this.queue.remove(ev)) throw new Error('discard: the event is not pending');
    this.hash.mix(DROP_LOSS);
    this.drop(ev, 'loss');
    this.queue.recycle(ev);
  }

  /** Delivers a second copy of the pending message `ev` (it may arrive before or after the first). */
  duplicate(ev: SimEvent): void {
    assert(ev.kind === EventKind.Message || ev.kind === EventKind.Request || ev.kind === EventKind.Reply, 'duplicate: only messages can be duplicated');
    const copy = this.detach(ev);
    copy.time = Math.max(this.nowUs, ev.time);
    this.stats.messagesDuplicated++;
    this.hash.mix(0xd000 + ev.target);
    if (this.trace !== undefined) {
      this.emit({ kind: 'send', from: this.endpointName(ev.source), to: this.endpointName(ev.target), id: ev.id, msg: ev.payload, copies: 2 });
    }
    this.enqueue(copy);
  }

  /** The timers armed on a node: name and when each is due (true time, µs), in the order they were first set. */
  armedTimers(id: NodeId): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [name, timer] of this.slots[this.nodeIndex(id)]!.timers) if (timer.armed) out.push([name, timer.dueUs]);
    return out;
  }

  /** The endpoint name of a node index or client endpoint. */
  endpointName(endpoint: number): string {
    return endpoint < this.slots.length ? this.slots[endpoint]!.id : this.processName(endpoint);
  }

  /** The timer a queued timer event stands for, if it still does; a cancelled one is forgotten. */
  private liveTimer(ev: SimEvent): TimerRecord | undefined {
    const slot = this.slots[ev.target]!;
    if (ev.epoch !== slot.incarnation) return undefined;
    const timer = slot.timers.get(ev.payload as string);
    if (timer === undefined || timer.token !== ev.id) return undefined;
    if (!timer.armed) {
      timer.token = 0; // cancelled: as dispatch would find it
      return undefined;
    }
    return timer;
  }

  /** Ends the run now (e.g. a checker saw enough). */
  stop(): void {
    this.stopped = true;
  }

  // ---------------------------------------------------------------- faults and control

  startNode(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    if (slot.status !== 'stopped') return;
    this.emit({ kind: 'start', node: id });
    this.boot(slot, 'start');
  }

  crash(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    if (slot.status === 'crashed' || slot.status === 'stopped') return;
    this.hash.mix(0x5000 + slot.index);
    slot.status = 'crashed';
    slot.state = undefined;
    slot.incarnation++;
    slot.timers.clear();
    // A lying disk keeps what it synced; writes still in its cache are gone.
    this.syncDisk(slot);
    if (slot.unsynced.length > 0) {
      this.hash.mix(0x5800 + slot.unsynced.length);
      this.emit({ kind: 'note', node: id, event: 'unsynced writes lost', data: { persists: slot.unsynced.length } });
      slot.unsynced = [];
    }
    for (const ev of slot.paused) this.queue.recycle(ev);
    slot.paused = [];
    this.emit({ kind: 'crash', node: id });
    this.noteRoleChange(slot);
    slot.lastSummary = undefined;
    slot.crashPoint = undefined;
    slot.observedRole = undefined;
    if (this.observer !== undefined) this.observer(id, 'crash', '');
  }

  restart(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    if (slot.status !== 'crashed') return;
    this.hash.mix(0x6000 + slot.index);
    this.emit({ kind: 'restart', node: id });
    this.boot(slot, 'restart');
    // (Boot may have crashed it again: a crash point armed for its first step.)
    if (this.observer !== undefined && (slot.status as NodeStatus) === 'up') this.observer(id, 'restart', '');
  }

  pause(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    if (slot.status !== 'up') return;
    this.hash.mix(0x7000 + slot.index);
    slot.status = 'paused';
    this.setLeading(slot, false);
    this.emit({ kind: 'pause', node: id });
  }

  resume(id: NodeId): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    if (slot.status !== 'paused') return;
    this.hash.mix(0x8000 + slot.index);
    slot.status = 'up';
    this.setLeading(slot, slot.lastRole === 'leader');
    this.emit({ kind: 'resume', node: id });
    // What queued up while paused is handled now, in arrival order: timers fire late.
    const held = slot.paused;
    slot.paused = [];
    for (const ev of held) {
      ev.time = this.nowUs;
      this.enqueue(ev);
    }
  }

  /**
   * Sets a node's clock: jump to true time + offsetUs (when given), run at rate 1 + drift, and
   * read in steps of resolutionUs (0: exact).
   */
  setClock(id: NodeId, change: { offsetUs?: number; drift?: number; resolutionUs?: number }): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    const local = exactLocalTime(slot.clock, this.nowUs);
    const mono = monotonicTime(slot.clock, this.nowUs);
    const clock = slot.clock;
    if (change.resolutionUs !== undefined) {
      assert(Number.isInteger(change.resolutionUs) && change.resolutionUs >= 0, 'clock resolution must be an integer number of µs >= 0');
      clock.resolutionUs = change.resolutionUs;
      this.hash.mix(0x9800 + change.resolutionUs);
    }
    clock.anchorTrueUs = this.nowUs;
    clock.anchorMonoUs = mono;
    clock.anchorLocalUs = change.offsetUs !== undefined ? this.nowUs + change.offsetUs : local;
    if (change.drift !== undefined) {
      assert(change.drift > -1, 'clock drift must be greater than -1');
      clock.drift = change.drift;
    }
    this.hash.mix(0x9000 + slot.index);
    this.emit({ kind: 'clock', node: id, offsetUs: clock.anchorLocalUs - clock.anchorTrueUs, drift: clock.drift, ...(clock.resolutionUs > 0 ? { resolutionUs: clock.resolutionUs } : {}) });
    this.clockListener?.(id);
  }

  /** Delivers an admin command (promote, add-node, ...) to a node as one step. */
  command(id: NodeId, command: AdminCommand): void {
    const slot = this.slots[this.nodeIndex(id)]!;
    this.emit({ kind: 'command', node: id, name: command.name, args: command.args });
    if (slot.status !== 'up') return;
    const handler = this.protocol.onCommand;
    if (handler === undefined) {
      this.finding('handler-threw', `protocol ${this.protocol.name} takes no commands (got ${command.name})`, slot);
      return;
    }
    this.step(slot, STEP_COMMAND, command, '');
  }

  // ---------------------------------------------------------------- processes (clients)

  /** Registers a client process homed in `zoneNode`'s zone; returns its endpoint. */
  addProcess(name: string, zoneNode: NodeId, handler: ProcessHandler): number {
    const endpoint = this.network.addEndpoint(this.nodeIndex(zoneNode));
    assert(endpoint === this.slots.length + this.processes.length, 'endpoint numbering out of step');
    this.processes.push(handler);
    this.processNames.push(name);
    this.processByName.set(name, endpoint);
    return endpoint;
  }

  /** Sends a client request from a process endpoint to a node, through the network. */
  sendRequest(fromEndpoint: number, to: NodeId, request: ClientRequest): void {
    const target = this.nodeIndex(to);
    this.stats.requests++;
    // A long run sends millions of requests: an id that names its sender needs no entry to be
    // answered (a reply, or a duplicate of one, long after the op ended finds its way by the name),
    // so the kernel's memory does not grow with the run.
    if (this.senderOf(request.id) === fromEndpoint) {
      if (this.replyTo.size > 0) this.replyTo.delete(request.id);
    } else {
      this.replyTo.set(request.id, fromEndpoint);
    }
    const id = this.nextMessageId++;
    if (this.trace !== undefined) this.emit({ kind: 'request', from: this.processName(fromEndpoint), to, id, request });
    this.route(EventKind.Request, fromEndpoint, target, request, id);
  }

  /** Records a client-side event in the trace (history ops, phases) and the hash. */
  traceEvent(event: DistributiveOmit<TraceEvent, 'i' | 't'>): void {
    this.emit(event);
  }

  /** Mixes a value into the trace hash (for actors outside the kernel, e.g. history events). */
  mixHash(value: number | string): void {
    if (typeof value === 'number') this.hash.mix(value);
    else this.hash.mixString(value);
  }

  // ---------------------------------------------------------------- internals

  /** The process named by a request id's prefix (`c1:4:1` → c1's endpoint), if any. */
  private senderOf(requestId: string): number | undefined {
    const colon = requestId.indexOf(':');
    return colon <= 0 ? undefined : this.processByName.get(requestId.slice(0, colon));
  }

  private enqueue(ev: SimEvent): void {
    if (!this.queue.push(ev)) this.enqueueFailed();
  }

  private enqueueFailed(): void {
    this.finding('queue-overflow', `more than ${this.limits.maxQueue} pending events: ${this.effects.current ? `node ${this.effects.current.id} floods the queue` : 'the queue overflowed'}`, this.effects.current);
  }

  /** Moves every write whose time has come from the disk's cache to the disk. */
  private syncDisk(slot: NodeSlot): void {
    let synced = 0;
    while (synced < slot.unsynced.length && slot.unsynced[synced]!.syncedAtUs <= this.nowUs) synced++;
    if (synced === 0) return;
    slot.durable = slot.unsynced[synced - 1]!.value;
    slot.hasDurable = true;
    slot.unsynced.splice(0, synced);
  }

  private boot(slot: NodeSlot, how: 'start' | 'restart'): void {
    slot.status = 'up';
    slot.incarnation++;
    slot.timers.clear();
    this.syncDisk(slot);
    const durable = slot.hasDurable ? clonePlain(slot.durable) : undefined;
    if (slot.hasDurable) {
      // What a node recovers decides what it does next: it feeds the hash (see traceHash).
      try {
        this.hash.mix(this.values.hash(durable));
      } catch (error) {
        this.currentKind = how === 'start' ? STEP_INIT : STEP_REINIT;
        this.finding('invalid-effect', `its persisted value cannot be read back: ${(error as Error).message}`, slot);
        return;
      }
    }
    this.step(slot, how === 'start' ? STEP_INIT : STEP_REINIT, durable, '');
  }

  private dispatch(ev: SimEvent): void {
    switch (ev.kind) {
      case EventKind.Message:
      case EventKind.Request: {
        const slot = this.slots[ev.target]!;
        if (slot.status !== 'up') {
          if (slot.status === 'paused') {
            slot.paused.push(this.detach(ev));
            return;
          }
          this.drop(ev, slot.status === 'crashed' ? 'crashed' : 'stopped');
          return;
        }
        if (!this.network.deliverable(ev.source, ev.target, ev.epoch)) {
          this.drop(ev, 'cut');
          return;
        }
        this.stats.messagesDelivered++;
        const from = ev.source < this.slots.length ? this.slots[ev.source]!.id : this.processName(ev.source);
        if (this.trace !== undefined) this.emit({ kind: 'deliver', from, to: slot.id, id: ev.id, type: messageType(ev.payload) });
        this.step(slot, ev.kind === EventKind.Message ? STEP_MESSAGE : STEP_REQUEST, ev.payload, from);
        return;
      }
      case EventKind.Reply: {
        if (!this.network.deliverable(ev.source, ev.target, ev.epoch)) {
          this.drop(ev, 'cut');
          return;
        }
        this.stats.messagesDelivered++;
        const from = this.slots[ev.source]!.id;
        const reply = ev.payload as { requestId: string; result: OpResult };
        if (this.trace !== undefined) this.emit({ kind: 'deliver', from, to: this.processName(ev.target), id: ev.id, type: `reply:${reply.result.type}` });
        this.processes[ev.target - this.slots.length]!.onReply(reply.requestId, reply.result, from);
        return;
      }
      case EventKind.Timer: {
        const slot = this.slots[ev.target]!;
        if (ev.epoch !== slot.incarnation) return;
        const name = ev.payload as string;
        const timer = slot.timers.get(name);
        if (timer === undefined || timer.token !== ev.id) return; // superseded by an earlier deadline
        if (!timer.armed) {
          timer.token = 0; // cancelled
          return;
        }
        if (timer.dueUs > ev.time || (timer.dueUs === ev.time && timer.seq > ev.seq)) {
          // Re-armed since this event was queued: move to the deadline, in the order it was armed.
          const moved = this.detach(ev);
          moved.time = timer.dueUs;
          timer.queuedUs = timer.dueUs;
          if (!this.queue.pushReserved(moved, timer.seq)) this.enqueueFailed();
          return;
        }
        if (slot.status === 'paused') {
          slot.paused.push(this.detach(ev));
          return;
        }
        if (slot.status !== 'up') return;
        timer.armed = false;
        timer.token = 0;
        this.stats.timersFired++;
        this.hash.mixString(name);
        if (this.trace !== undefined) this.emit({ kind: 'timer', node: slot.id, name });
        this.step(slot, STEP_TIMER, name, '');
        return;
      }
      case EventKind.Call: {
        this.currentKind = STEP_CALL;
        (ev.payload as () => void)();
        return;
      }
    }
  }

  /** A copy of an event that outlives its queue slot (paused nodes hold them). */
  private detach(ev: SimEvent): SimEvent {
    const copy = this.queue.obtain();
    copy.time = ev.time;
    copy.kind = ev.kind;
    copy.target = ev.target;
    copy.source = ev.source;
    copy.payload = ev.payload;
    copy.id = ev.id;
    copy.epoch = ev.epoch;
    return copy;
  }

  private drop(ev: SimEvent, reason: DropReason): void {
    this.stats.messagesDropped++;
    this.stats.dropsByReason[reason]++;
    if (this.trace !== undefined) {
      this.emit({ kind: 'drop', from: this.endpointName(ev.source), to: this.endpointName(ev.target), id: ev.id, reason });
    }
  }

  /**
   * Runs one handler on one node, then applies its effects in the fixed order. The handler is
   * picked by a small integer rather than a closure: this is the hottest path of the simulator.
   */
  private step(slot: NodeSlot, kind: StepKind, arg: unknown, from: string): void {
    this.effects.current = slot;
    this.currentKind = kind;
    this.currentArg = arg;
    this.currentFrom = from;
    this.stats.steps++;
    const protocol = this.protocol;
    const cells = this.cells;
    if (cells !== undefined) this.enterStep(cells, slot, kind, arg, from);
    try {
      switch (kind) {
        case STEP_MESSAGE:
          protocol.onMessage(slot.state, from, arg, slot.ctx);
          break;
        case STEP_REQUEST:
          protocol.onRequest(slot.state, arg as ClientRequest, slot.ctx);
          break;
        case STEP_TIMER:
          protocol.onTimer(slot.state, arg as string, slot.ctx);
          break;
        case STEP_INIT:
        case STEP_REINIT:
          slot.state = protocol.init(slot.ctx, arg);
          break;
        case STEP_COMMAND:
          protocol.onCommand!(slot.state, arg as AdminCommand, slot.ctx);
          break;
      }
    } catch (error) {
      if (cells !== undefined) leaveCall(cells, CallKind.kernel);
      this.effects.clear();
      this.effects.current = undefined;
      const thrown = describeThrown(error);
      this.finding('handler-threw', thrown.text, slot, thrown.stack);
      return;
    }
    if (cells !== undefined) leaveCall(cells, CallKind.kernel);
    // `current` stays set while effects apply, so an overflow names the node that caused it.
    try {
      this.applyEffects(slot);
    } catch (error) {
      // Effects carry the protocol's data: data the kernel cannot take is the protocol's finding.
      this.effects.clear();
      this.finding('invalid-effect', error instanceof PlainDataError ? error.message : `applying the step's effects failed: ${describeThrown(error).text}`, slot);
      this.effects.current = undefined;
      return;
    }
    this.effects.current = undefined;
    if (protocol.role !== undefined) this.noteRoleChange(slot);
    if (this.observer !== undefined) this.observeStep(slot, kind, arg);
    if (this.trace !== undefined && protocol.summary !== undefined) this.noteSummaryChange(slot);
    if (this.monitors.active && !this.stopped) this.monitors.checkAfterStep(slot, this.nowUs);
  }

  /** Tells the watchdog which handler call starts (ints only; names interned once). */
  private enterStep(cells: Int32Array, slot: NodeSlot, kind: StepKind, arg: unknown, from: string): void {
    const callName = this.callName!;
    let name = -1;
    switch (kind) {
      case STEP_MESSAGE:
        name = callName(messageType(arg));
        break;
      case STEP_REQUEST:
        name = callName(String((arg as ClientRequest).op.f));
        break;
      case STEP_TIMER:
        name = callName(arg as string);
        break;
      case STEP_COMMAND:
        name = callName(String((arg as AdminCommand).name));
        break;
      default:
        break;
    }
    cells[WATCH.step] = kind;
    cells[WATCH.event] = this.eventCount | 0;
    cells[WATCH.timeMs] = (this.nowUs / 1000) | 0;
    cells[WATCH.from] = from === '' ? -1 : this.senderName!(from);
    enterCall(cells, CallKind.handler, slot.index, name);
  }

  private applyEffects(slot: NodeSlot): void {
    if (slot.crashPoint !== undefined && this.crashPointReached(slot)) return;
    // 1. persist: on disk before any message of this step leaves.
    if (this.effects.persistPending) this.applyPersist(slot);
    // 2. sends.
    const sends = this.effects.sendCount;
    if (sends > 0) {
      if (sends > this.limits.maxSendsPerStep) {
        this.effects.clear();
        this.finding('send-flood', `one step sent ${sends} messages (bound ${this.limits.maxSendsPerStep})`, slot);
        return;
      }
      this.applySends(slot, sends);
      this.effects.sendCount = 0;
    }
    // 3. timers, in call order (a set then a cancel of one name cancels it).
    const timers = this.effects.timerCount;
    if (timers > 0) {
      for (let i = 0; i < timers; i++) {
        const name = this.effects.timerNames[i]!;
        const afterUs = this.effects.timerAfterUs[i]!;
        let timer = slot.timers.get(name);
        if (afterUs === TIMER_CANCEL) {
          if (timer !== undefined) timer.armed = false;
          continue;
        }
        if (timer === undefined) {
          timer = new TimerRecord();
          slot.timers.set(name, timer);
        }
        const dueUs = this.nowUs + trueDelay(slot.clock, afterUs);
        const id = this.nextMessageId++;
        timer.armed = true;
        timer.dueUs = dueUs;
        timer.seq = this.queue.reserveSeq();
        // A queued event at or before the deadline will move itself there; otherwise queue one.
        if (timer.token !== 0 && timer.queuedUs <= dueUs) continue;
        const ev = this.queue.obtain();
        ev.kind = EventKind.Timer;
        ev.time = dueUs;
        ev.target = slot.index;
        ev.source = slot.index;
        ev.payload = name;
        ev.id = id;
        ev.epoch = slot.incarnation;
        timer.token = id;
        timer.queuedUs = dueUs;
        if (!this.queue.pushReserved(ev, timer.seq)) this.enqueueFailed();
      }
      this.effects.timerCount = 0;
    }
    // 4. replies.
    const replies = this.effects.replyCount;
    if (replies > 0) {
      for (let i = 0; i < replies; i++) {
        const requestId = this.effects.replyIds[i]!;
        const result = this.effects.replyResults[i]!;
        this.effects.replyResults[i] = undefined;
        const endpoint = this.replyTo.get(requestId) ?? this.senderOf(requestId);
        if (endpoint === undefined) continue; // not a request we carried: nobody to answer
        this.stats.replies++;
        this.hash.mix(0x2000);
        this.hash.mix(this.values.hash(result));
        const id = this.nextMessageId++;
        if (this.trace !== undefined) this.emit({ kind: 'reply', from: slot.id, to: this.processName(endpoint), id, requestId, result });
        this.route(EventKind.Reply, slot.index, endpoint, { requestId, result }, id);
        if (this.observer !== undefined) this.observer(slot.id, 'reply', result.type);
      }
      this.effects.replyCount = 0;
    }
  }

  private applyPersist(slot: NodeSlot): void {
    if (slot.unsyncedUs > 0) {
      this.syncDisk(slot);
      slot.unsynced.push({ value: clonePlain(this.effects.persistValue), syncedAtUs: this.nowUs + slot.unsyncedUs });
    } else {
      slot.durable = clonePlain(this.effects.persistValue);
      slot.hasDurable = true;
    }
    this.effects.persistPending = false;
    this.effects.persistValue = undefined;
    this.stats.persists++;
    this.hash.mix(0x1000 + slot.index);
    if (this.trace !== undefined) this.emit({ kind: 'persist', node: slot.id });
    if (this.observer !== undefined) this.observer(slot.id, 'persist', '');
  }

  /** Routes the first `count` buffered sends, in call order. */
  private applySends(slot: NodeSlot, count: number): void {
    const sendTo = this.effects.sendTo;
    const sendMsg = this.effects.sendMsg;
    const observer = this.observer;
    for (let i = 0; i < count; i++) {
      const msg = sendMsg[i];
      sendMsg[i] = undefined; // the buffer must not keep messages alive
      const to = sendTo[i]!;
      const id = this.nextMessageId++;
      this.hash.mix(this.values.hash(msg));
      if (this.trace !== undefined) this.emit({ kind: 'send', from: slot.id, to: this.slots[to]!.id, id, msg, copies: 1 });
      this.route(EventKind.Message, slot.index, to, msg, id);
      if (observer !== undefined) observer(slot.id, 'send', messageType(msg));
    }
  }

  /**
   * An armed crash point, checked before the step's effects apply: when this step reaches it, the
   * effects before the point apply, the node crashes, and the rest are lost. True if it crashed.
   */
  private crashPointReached(slot: NodeSlot): boolean {
    const arm = slot.crashPoint!;
    const sends = this.effects.sendCount;
    if (sends > this.limits.maxSendsPerStep) return false; // the flood finding wins
    let leave: number;
    switch (arm.point) {
      case 'after-persist':
        if (!this.effects.persistPending) return false;
        leave = 0;
        break;
      case 'partial-send':
        if (sends < 2) return false;
        this.crashRng ??= this.rootRng.fork('crash-points');
        leave = 1 + this.crashRng.int(sends - 1);
        break;
    }
    slot.crashPoint = undefined;
    this.hash.mix(0xc400 + leave);
    if (this.effects.persistPending) this.applyPersist(slot);
    if (leave > 0) this.applySends(slot, leave);
    const lost = sends - leave;
    this.effects.clear();
    this.emit({ kind: 'note', node: slot.id, event: `crash point ${arm.point}`, data: { sent: leave, lost } });
    // The handler finished in memory before the crash: invariants see that state once (messages it
    // sent carry it, e.g. a proposal), then the crash drops it.
    if (this.monitors.active && !this.stopped) this.monitors.checkAfterStep(slot, this.nowUs);
    this.crash(slot.id);
    arm.onCrash?.();
    return true;
  }

  private route(kind: EventKind, source: number, target: number, payload: unknown, id: number): void {
    if (kind === EventKind.Message) this.stats.messagesSent++;
    const copies = this.network.route(source, target, this.nowUs);
    if (copies === DROP_PARTITION || copies === DROP_LOSS) {
      this.stats.messagesDropped++;
      const reason: DropReason = copies === DROP_PARTITION ? 'partition' : 'loss';
      this.stats.dropsByReason[reason]++;
      this.hash.mix(copies);
      if (this.trace !== undefined) {
        this.emit({ kind: 'drop', from: this.endpointName(source), to: this.endpointName(target), id, reason });
      }
      return;
    }
    if (copies > 1) this.stats.messagesDuplicated += copies - 1;
    const epoch = this.network.outEpoch;
    for (let c = 0; c < copies; c++) {
      const ev = this.queue.obtain();
      ev.kind = kind;
      ev.time = this.network.outTimesUs[c]!;
      ev.target = target;
      ev.source = source;
      ev.payload = payload;
      ev.id = id;
      ev.epoch = epoch;
      this.enqueue(ev);
    }
  }

  /** After a step, for the step observer: the delivery it handled and any role change. */
  private observeStep(slot: NodeSlot, kind: StepKind, arg: unknown): void {
    const observer = this.observer!;
    if (kind === STEP_MESSAGE) observer(slot.id, 'deliver', messageType(arg));
    else if (kind === STEP_TIMER) observer(slot.id, 'timer', arg as string);
    if (this.protocol.role === undefined || slot.state === undefined) return;
    const role = slot.lastRole; // noteRoleChange just read it
    if (role !== slot.observedRole) {
      slot.observedRole = role;
      observer(slot.id, 'role', role ?? '');
    }
  }

  /** A value's hash for the end-of-run digest; data too deep to walk counts as one marker. */
  private safeValueHash(value: unknown): number {
    try {
      return this.values.hash(value);
    } catch {
      return 0x7e57_dead;
    }
  }

  /** The protocol's `role`, guarded: a role() that throws is the protocol's bug, reported as a finding. */
  private safeRole(slot: NodeSlot): string | undefined {
    const role = this.protocol.role;
    if (slot.state === undefined || role === undefined) return undefined;
    const cells = this.cells;
    if (cells !== undefined) enterCall(cells, CallKind.role, slot.index, -1);
    try {
      return role.call(this.protocol, slot.state);
    } catch (error) {
      const thrown = describeThrown(error);
      this.finding('handler-threw', `role() threw ${thrown.text}`, slot, thrown.stack);
      return undefined;
    } finally {
      if (cells !== undefined) leaveCall(cells, CallKind.kernel);
    }
  }

  /** Traces the protocol's one-line state summary when it changed (reports show it on hover). */
  private noteSummaryChange(slot: NodeSlot): void {
    if (slot.state === undefined) return;
    let summary: string;
    const cells = this.cells;
    if (cells !== undefined) enterCall(cells, CallKind.role, slot.index, -1);
    try {
      summary = this.protocol.summary!(slot.state);
    } catch (error) {
      summary = `(summary() threw: ${describeThrown(error).text})`;
    }
    if (cells !== undefined) leaveCall(cells, CallKind.kernel);
    if (summary !== slot.lastSummary) {
      slot.lastSummary = summary;
      this.emit({ kind: 'state', node: slot.id, summary });
    }
  }

  /** Traces a role change, and keeps count of the nodes leading (SimStats.leaderlessUs). */
  private noteRoleChange(slot: NodeSlot): void {
    if (this.protocol.role === undefined) return;
    const role = this.safeRole(slot);
    if (role !== slot.lastRole) {
      slot.lastRole = role;
      this.emit({ kind: 'role', node: slot.id, role: role ?? null });
    }
    this.setLeading(slot, role === 'leader' && slot.status === 'up');
  }

  private setLeading(slot: NodeSlot, leading: boolean): void {
    if (slot.leading === leading) return;
    slot.leading = leading;
    this.leaders += leading ? 1 : -1;
    if (leading && this.leaders === 1 && this.leaderlessSinceUs !== undefined) {
      this.stats.leaderlessUs += this.nowUs - this.leaderlessSinceUs;
      this.leaderlessSinceUs = undefined;
    } else if (!leading && this.leaders === 0) this.leaderlessSinceUs = this.nowUs;
  }

  /** Brings time-based counters (leaderlessUs) up to now; returns the stats. */
  settleStats(): SimStats {
    if (this.leaderlessSinceUs !== undefined) {
      this.stats.leaderlessUs += this.nowUs - this.leaderlessSinceUs;
      this.leaderlessSinceUs = this.nowUs;
    }
    return this.stats;
  }

  private finding(kind: FindingKind, message: string, slot?: NodeSlot, stack?: string, name?: string): void {
    const finding: Finding = {
      kind,
      message,
      timeUs: this.nowUs,
      eventIndex: this.eventCount,
      seed: this.seed,
      event: describeStep(this.currentKind, this.currentArg, this.currentFrom),
      ...(slot !== undefined ? { node: slot.id } : {}),
      ...(stack !== undefined ? { stack } : {}),
      ...(name !== undefined ? { name } : {}),
    };
    this.findings.push(finding);
    this.hash.mixString(kind);
    if (kind === 'invariant') this.emit({ kind: 'violation', name: name ?? 'invariant', message });
    else this.emit({ kind: 'finding', finding: kind, message: slot ? `${slot.id}: ${message}` : message });
    if (isFatal(kind)) this.stopped = true;
  }

  private emit(event: DistributiveOmit<TraceEvent, 'i' | 't'>): void {
    if (this.trace === undefined) return;
    this.trace.event({ i: this.eventCount, t: this.nowUs, ...event } as TraceEvent);
  }

  /** `ctx.note`: a protocol moment for the step observer (during the node's own step) and the trace. */
  private noteFrom(slot: NodeSlot, event: string, data: unknown): void {
    if (this.observer !== undefined && this.effects.current === slot) this.observer(slot.id, 'note', event);
    if (this.trace !== undefined) this.emit(data === undefined ? { kind: 'note', node: slot.id, event } : { kind: 'note', node: slot.id, event, data: clonePlain(data) });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
