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
 *
 * This class runs the loop, dispatches events to handlers and applies their effects (the hot
 * path); its other jobs live beside it: node lifecycle and node faults (lifecycle.ts), roles and
 * summaries (roles.ts), client endpoints (endpoints.ts), explicit choices (choices.ts), invariants
 * (monitors.ts), the node contexts (context.ts).
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
import { ChoiceDriver } from './choices.js';
import { localTime, monotonicTime, trueDelay, trueTimeWhenMonotonicReads, trueTimeWhenReads } from './clock.js';
import { makeNodeContext, type ContextHost } from './context.js';
import { StepEffects, TIMER_CANCEL } from './effects.js';
import { Endpoints } from './endpoints.js';
import { isFatal, type Finding, type FindingKind } from './findings.js';
import { NodeLifecycle } from './lifecycle.js';
import { InvariantMonitors } from './monitors.js';
import { NodeSlot, TimerRecord } from './node-slot.js';
import { EventKind, EventQueue, type SimEvent } from './queue.js';
import { RoleTracker, bothObservers } from './roles.js';
import { STEP_CALL, STEP_COMMAND, STEP_INIT, STEP_MESSAGE, STEP_REINIT, STEP_REQUEST, STEP_TIMER, describeStep, messageType, type StepKind } from './steps.js';
import { DEFAULT_LIMITS, PROGRESS_EVERY, emptySimStats, type CrashPoint, type KernelLimits, type ProcessHandler, type SimStats, type SimulationOptions, type StepObserver, type TraceEventInput } from './types.js';
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
  private readonly endpoints: Endpoints;
  private readonly roles: RoleTracker;
  private readonly lifecycle: NodeLifecycle;
  private readonly choices: ChoiceDriver;
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
    this.endpoints = new Endpoints(this.slots.length);
    this.roles = new RoleTracker({
      protocol: this.protocol,
      stats: this.stats,
      cells: this.cells,
      now: () => this.nowUs,
      emit: (event) => this.emit(event),
      finding: (kind, message, slot, stack) => this.finding(kind, message, slot, stack),
    });
    this.lifecycle = new NodeLifecycle({
      hash: this.hash,
      values: this.values,
      queue: this.queue,
      roles: this.roles,
      now: () => this.nowUs,
      observer: () => this.observer,
      emit: (event) => this.emit(event),
      enqueue: (ev) => this.enqueue(ev),
      init: (slot, kind, durable) => this.step(slot, kind, durable, ''),
      unreadable: (slot, kind, message) => {
        this.currentKind = kind;
        this.finding('invalid-effect', message, slot);
      },
      clockChanged: (slot) => this.clockListener?.(slot.id),
    });
    this.choices = new ChoiceDriver({
      queue: this.queue,
      slots: this.slots,
      stats: this.stats,
      hash: this.hash,
      tracing: () => this.trace !== undefined,
      stopped: () => this.stopped,
      now: () => this.nowUs,
      setNow: (nowUs) => {
        this.nowUs = nowUs;
      },
      countEvent: () => this.countEvent(this.limits.maxEvents),
      dispatch: (ev) => this.dispatch(ev),
      drop: (ev, reason) => this.drop(ev, reason),
      detach: (ev) => this.detach(ev),
      enqueue: (ev) => this.enqueue(ev),
      emit: (event) => this.emit(event),
      endpointName: (endpoint) => this.endpointName(endpoint),
    });
    const wantInvariants = options.checkInvariants ?? true;
    // The monitors' factories are protocol code too: watched like any call (see monitors.ts).
    this.monitors = new InvariantMonitors({
      invariants: wantInvariants ? (this.protocol.invariants ?? []) : [],
      nodes: this.slots,
      clockUs: (index) => localTime(this.slots[index]!.clock, this.nowUs),
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
    return this.slotOf(id).status;
  }
  /** The node's role per the protocol, while it is up or paused. */
  roleOf(id: NodeId): string | undefined {
    return this.roles.safeRole(this.slotOf(id));
  }
  /** What is on the node's disk now (synced writes only, under a lying disk). */
  durableOf(id: NodeId): unknown {
    const slot = this.slotOf(id);
    this.lifecycle.syncDisk(slot);
    return slot.durable;
  }
  private slotOf(id: NodeId): NodeSlot {
    return this.slots[this.nodeIndex(id)]!;
  }

  /**
   * Makes the node's disk lie: from now on a persist becomes durable only `unsyncedUs` later, and
   * a crash loses what has not synced (0 restores an honest disk; pending writes then sync).
   */
  setDisk(id: NodeId, unsyncedUs: number): void {
    this.lifecycle.setDisk(this.slotOf(id), unsyncedUs);
  }
  /**
   * Permanent node loss: the crashed node's disk is replaced by an empty one (synced and unsynced
   * writes alike), so its restart boots like a new machine with the same identity.
   */
  wipeDisk(id: NodeId): void {
    this.lifecycle.wipeDisk(this.slotOf(id));
  }

  /**
   * Arms a crash inside the node's next step whose effects reach `point` (see CrashPoint);
   * `onCrash` runs right after the crash. Re-arming replaces; `disarmCrashPoint` cancels.
   */
  armCrashPoint(id: NodeId, point: CrashPoint, onCrash?: () => void): void {
    this.lifecycle.armCrashPoint(this.slotOf(id), point, onCrash);
  }

  disarmCrashPoint(id: NodeId): void {
    this.lifecycle.disarmCrashPoint(this.slotOf(id));
  }

  /** Whether a crash point is armed on the node. */
  crashPointArmed(id: NodeId): boolean {
    return this.slotOf(id).crashPoint !== undefined;
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
    const before = this.observer;
    this.observer = bothObservers(this.faultObserver, this.watcher);
    if (before === undefined && this.observer !== undefined) for (const slot of this.slots) slot.observedRole = this.roles.safeRole(slot);
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
    return this.endpoints.name(endpoint);
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

  // ---------------------------------------------------------------- explicit choices (choices.ts)

  /** See ChoiceDriver.choosable: the events that may happen next. */
  choosable(): readonly SimEvent[] {
    return this.choices.choosable();
  }

  /** When a pending timer event is due (its timer may have been re-armed since it was queued). */
  timerDueUs(ev: SimEvent): number {
    return this.choices.timerDueUs(ev);
  }

  /** Processes the pending event `ev` now, with the clock moved to `atUs` (at least now). */
  fire(ev: SimEvent, atUs: number): void {
    this.choices.fire(ev, atUs);
  }

  /** Loses the pending message, request or reply `ev` in the network (counted as a loss). */
  discard(ev: SimEvent): void {
    this.choices.discard(ev);
  }

  /** Delivers a second copy of the pending message `ev` (it may arrive before or after the first). */
  duplicate(ev: SimEvent): void {
    this.choices.duplicate(ev);
  }

  /** The timers armed on a node: name and when each is due (true time, µs), in the order they were first set. */
  armedTimers(id: NodeId): Array<[string, number]> {
    return this.choices.armedTimers(this.slotOf(id));
  }

  /** The endpoint name of a node index or client endpoint. */
  endpointName(endpoint: number): string {
    return endpoint < this.slots.length ? this.slots[endpoint]!.id : this.processName(endpoint);
  }

  /** Ends the run now (e.g. a checker saw enough). */
  stop(): void {
    this.stopped = true;
  }

  // ---------------------------------------------------------------- faults and control

  startNode(id: NodeId): void {
    this.lifecycle.start(this.slotOf(id));
  }

  crash(id: NodeId): void {
    this.lifecycle.crash(this.slotOf(id));
  }

  restart(id: NodeId): void {
    this.lifecycle.restart(this.slotOf(id));
  }

  pause(id: NodeId): void {
    this.lifecycle.pause(this.slotOf(id));
  }

  resume(id: NodeId): void {
    this.lifecycle.resume(this.slotOf(id));
  }

  /**
   * Sets a node's clock: jump to true time + offsetUs (when given), run at rate 1 + drift, and
   * read in steps of resolutionUs (0: exact).
   */
  setClock(id: NodeId, change: { offsetUs?: number; drift?: number; resolutionUs?: number }): void {
    this.lifecycle.setClock(this.slotOf(id), change);
  }

  /** Delivers an admin command (promote, add-node, ...) to a node as one step. */
  command(id: NodeId, command: AdminCommand): void {
    const slot = this.slotOf(id);
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
    this.endpoints.add(name, handler, endpoint);
    return endpoint;
  }

  /** Sends a client request from a process endpoint to a node, through the network. */
  sendRequest(fromEndpoint: number, to: NodeId, request: ClientRequest): void {
    const target = this.nodeIndex(to);
    this.stats.requests++;
    // A long run sends millions of requests: an id that names its sender needs no entry to be
    // answered (a reply, or a duplicate of one, long after the op ended finds its way by the name),
    // so the kernel's memory does not grow with the run.
    this.endpoints.sent(request.id, fromEndpoint);
    const id = this.nextMessageId++;
    if (this.trace !== undefined) this.emit({ kind: 'request', from: this.processName(fromEndpoint), to, id, request });
    this.route(EventKind.Request, fromEndpoint, target, request, id);
  }

  /** Records a client-side event in the trace (history ops, phases) and the hash. */
  traceEvent(event: TraceEventInput): void {
    this.emit(event);
  }

  /** Mixes a value into the trace hash (for actors outside the kernel, e.g. history events). */
  mixHash(value: number | string): void {
    if (typeof value === 'number') this.hash.mix(value);
    else this.hash.mixString(value);
  }

  // ---------------------------------------------------------------- internals

  private enqueue(ev: SimEvent): void {
    if (!this.queue.push(ev)) this.enqueueFailed();
  }

  private enqueueFailed(): void {
    this.finding('queue-overflow', `more than ${this.limits.maxQueue} pending events: ${this.effects.current ? `node ${this.effects.current.id} floods the queue` : 'the queue overflowed'}`, this.effects.current);
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
        this.endpoints.handler(ev.target).onReply(reply.requestId, reply.result, from);
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
    if (protocol.role !== undefined) this.roles.noteRoleChange(slot);
    if (this.observer !== undefined) this.roles.observeStep(this.observer, slot, kind, arg);
    if (this.trace !== undefined && protocol.summary !== undefined) this.roles.noteSummaryChange(slot);
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
        const endpoint = this.endpoints.replyEndpoint(requestId);
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
      this.lifecycle.syncDisk(slot);
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
    this.lifecycle.crash(slot);
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

  /** A value's hash for the end-of-run digest; data too deep to walk counts as one marker. */
  private safeValueHash(value: unknown): number {
    try {
      return this.values.hash(value);
    } catch {
      return 0x7e57_dead;
    }
  }

  /** Brings time-based counters (leaderlessUs) up to now; returns the stats. */
  settleStats(): SimStats {
    this.roles.settle();
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

  private emit(event: TraceEventInput): void {
    if (this.trace === undefined) return;
    this.trace.event({ i: this.eventCount, t: this.nowUs, ...event } as TraceEvent);
  }

  /** `ctx.note`: a protocol moment for the step observer (during the node's own step) and the trace. */
  private noteFrom(slot: NodeSlot, event: string, data: unknown): void {
    if (this.observer !== undefined && this.effects.current === slot) this.observer(slot.id, 'note', event);
    if (this.trace !== undefined) this.emit(data === undefined ? { kind: 'note', node: slot.id, event } : { kind: 'note', node: slot.id, event, data: clonePlain(data) });
  }
}

