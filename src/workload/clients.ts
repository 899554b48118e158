/**
 * Virtual clients. Each client is a network endpoint homed in a node's zone (so a partition cuts it
 * off with that zone) and runs Jepsen processes: one op at a time, invoke then ok / fail / info.
 * A process whose op ends info is retired and the client continues under a fresh process id.
 *
 * Closed loop: every client keeps one op in flight, with an optional think time between ops.
 * Open loop: ops arrive at a fixed mean rate (Poisson) regardless of completions; an arrival that
 * finds every client busy is shed and counted, never queued without bound.
 */
import type { NodeId } from '../core/ids.js';
import type { ClientRequest, Op, OpResult } from '../core/ops.js';
import type { EventType, HistoryEvent } from '../core/history.js';
import type { Rng } from '../rng/index.js';
import type { OpGenerator } from './generators.js';
import { LatencyRecorder } from './latency.js';

/** What clients need from the kernel (the Simulation satisfies it). */
export interface ClientHost {
  readonly now: number;
  /** False when nobody receives trace events: clients then skip building them (default true). */
  readonly tracing?: boolean;
  at(timeUs: number, fn: () => void): void;
  addProcess(name: string, zoneNode: NodeId, handler: { onReply(requestId: string, result: OpResult, from: NodeId): void }): number;
  sendRequest(fromEndpoint: number, to: NodeId, request: ClientRequest): void;
  traceEvent(event: {
    kind: 'op';
    type: EventType;
    process: number;
    client: string;
    f: string;
    key?: string;
    value: unknown;
    node?: string;
    error?: string;
  }): void;
  mixHash(value: number | string): void;
}

export type RoutePolicy = 'random' | 'sticky' | 'leader';

export interface WorkloadConfig {
  readonly clients: number;
  /** Open loop when set: mean ops per second across all clients. */
  readonly ratePerSecond?: number;
  /** Closed loop pause between a completion and the next invoke. */
  readonly thinkUs: number;
  readonly timeoutUs: number;
  /** Pause before retrying after a redirect. */
  readonly retryDelayUs: number;
  readonly route: RoutePolicy;
  /**
   * Times a timed-out command is sent again, with the same sequence number, to another node (a
   * client library's retry; default 0). The op's `timeoutUs` is split evenly between its attempts,
   * so an op still ends by its deadline. Once an attempt timed out, the op can no longer end in a
   * definite `fail`: the attempt may still take effect.
   */
  readonly retries?: number;
}

export interface WorkloadStats {
  invoked: number;
  ok: number;
  fail: number;
  info: number;
  /** Open-loop arrivals that found every client busy. */
  shed: number;
  redirects: number;
  /** Timed-out attempts sent again with the same sequence number (`retries`). */
  resent: number;
  /** Answers not believed: their server's epoch was below one the client had seen (a deposed primary). */
  deposed: number;
}

function noop(): void {}

/** Bound on attempts (redirects) for one op, so a redirect loop cannot spin inside the timeout. */
const MAX_ATTEMPTS_PER_OP = 64;
/** Most process ids named after their client (see Workload.processClients). */
const MAX_NAMED_PROCESSES = 100_000;

interface InFlight {
  readonly op: Op;
  readonly seq: number;
  readonly invokedUs: number;
  readonly deadlineUs: number;
  /** When the current attempt times out (the op's deadline unless it may be resent). */
  attemptDeadlineUs: number;
  /** Resends left for timed-out attempts. */
  resendsLeft: number;
  /** An attempt timed out: it may still take effect, so no later answer is a definite fail. */
  resent: boolean;
  attempt: number;
  /**
   * Nodes this op's attempts went to, in order (each once). A client with no hint where to go next
   * tries a node it has not tried yet before it tries one again, as real client libraries walk
   * their list of servers: a random pick can keep landing on nodes that do not know the leader
   * (servers removed from the configuration) while the one that would answer is never tried.
   */
  tried: NodeId[];
  requestId: string;
  /** Waiting for a reply (true) or between attempts after a definite refusal (false). */
  awaiting: boolean;
  node: NodeId;
  /** Last refusal, reported if the op ends without another answer. */
  lastError: string;
  /** A final read: retried (see issueFinal) until it completes ok or this time comes too near. */
  readonly finalUntilUs: number | undefined;
}

class Client {
  process: number;
  seq = 0;
  inFlight: InFlight | undefined;
  leaderHint: NodeId | undefined;
  /**
   * The highest epoch a reply told this client (0: none yet). Sent with every request, and an
   * answer from a lower epoch is not believed: a client that has heard from a newer primary does
   * not take a deposed one's word (the fencing token checked by clients, not only by replicas).
   */
  epoch = 0;
  endpoint = -1;
  /** Counts ops so a request id is unique: `${name}:${opCount}:${attempt}`. */
  opCount = 0;
  /**
   * When this client's pending timeout check fires (-1: none pending). One check stands for every
   * op's deadline: deadlines only grow (one op at a time, a fixed timeout), so a check that comes
   * up before the current op's deadline moves itself there instead of one event per op.
   */
  timeoutCheckUs = -1;
  /** Callbacks made once per client, so scheduling them allocates nothing. */
  checkTimeout: () => void = noop;
  issue: () => void = noop;
  constructor(
    readonly name: string,
    readonly index: number,
    readonly home: NodeId,
    readonly rng: Rng,
  ) {
    this.process = index;
  }
}

export class Workload {
  /** The history, unless it is streamed (see streamTo). */
  readonly history: HistoryEvent[] = [];
  /** Where each history event goes: `history`, or a stream (see streamTo). */
  private keep: (event: HistoryEvent) => void = (event) => this.history.push(event);
  private recorded = 0;
  readonly stats: WorkloadStats = { invoked: 0, ok: 0, fail: 0, info: 0, shed: 0, redirects: 0, resent: 0, deposed: 0 };
  /** Completed-ok latencies by op name, µs (bounded memory). */
  readonly latencies = new LatencyRecorder();
  /**
   * The client behind each process id (a client takes a new one after an info), so reports and
   * check details name clients as their lanes do. Bounded: past MAX_NAMED_PROCESSES, processes
   * go unnamed (shown as p<N>) rather than grow a long run's memory.
   */
  readonly processClients = new Map<number, string>();
  private readonly clients: Client[] = [];
  private nextProcess: number;
  private issuing = false;
  private stopUs = 0;
  private readonly arrivals: Rng;
  private readonly onArrival = (): void => this.arrive();
  private readonly idle: Client[] = [];
  /** The final phase's opening write while it is outstanding, and the reads that wait for it. */
  private finalOpening: { readonly op: Op; readonly reads: readonly Op[]; readonly untilUs: number } | undefined;

  constructor(
    private readonly config: WorkloadConfig,
    private readonly host: ClientHost,
    private readonly generator: OpGenerator,
    rng: Rng,
    /** Nodes clients may address; homes are assigned round-robin over them. */
    private readonly targets: () => readonly NodeId[],
    homes: readonly NodeId[],
  ) {
    this.arrivals = rng.fork('arrivals');
    for (let i = 0; i < config.clients; i++) {
      const name = `c${i + 1}`;
      const client = new Client(name, i, homes[i % homes.length]!, rng.fork(name));
      client.endpoint = host.addProcess(name, client.home, {
        onReply: (requestId, result, from) => this.onReply(client, requestId, result, from),
      });
      client.checkTimeout = () => this.onTimeoutCheck(client);
      client.issue = () => this.issueNext(client);
      this.clients.push(client);
      this.processClients.set(client.process, name);
    }
    this.nextProcess = config.clients;
  }

  /**
   * Streams the history: every event goes to `sink` as it happens and `history` stays empty, so a
   * long run's memory does not grow with its ops. Call before start.
   */
  streamTo(sink: (event: HistoryEvent) => void): void {
    this.keep = sink;
  }

  /**
   * A process id for an actor that is not one of these clients (a node that embodies a lock
   * client): unique in the history, drawn from the same sequence as retired clients' new ids.
   */
  newProcess(): number {
    return this.nextProcess++;
  }

  /** Records an event of another actor's process in this history (same indexes, true time, trace). */
  recordFor(process: number, name: string, type: EventType, op: Op, value: unknown, error: string | undefined, node?: NodeId): void {
    if (type === 'invoke') this.stats.invoked++;
    else this.stats[type]++;
    this.record({ process, name }, type, op, value, error, node);
  }

  /** Starts issuing ops now; stops issuing new ones at `untilUs`. */
  start(untilUs: number): void {
    this.issuing = true;
    this.stopUs = untilUs;
    this.host.at(untilUs, () => {
      this.issuing = false;
    });
    if (this.config.ratePerSecond !== undefined) {
      this.scheduleArrival();
    } else {
      // Stagger the first ops by a little so clients do not all fire in one instant.
      for (const client of this.clients) this.host.at(this.host.now + client.rng.int(1000), client.issue);
    }
  }

  /** Whether any op is still in flight. */
  get busy(): boolean {
    return this.clients.some((c) => c.inFlight !== undefined);
  }

  /**
   * The final reads (one per key, one single-read transaction per key, or one read for
   * single-object models), each by a client whose zone can still reach a node: the "final reads" of
   * Jepsen, used by durability, convergence and liveness checks. A final read that does not
   * complete ok is issued again (as a new op) while a whole attempt still fits before `untilUs`:
   * service may come back some time into the quiet period (an election after a split vote), and
   * liveness asks whether it comes back, not whether it was back at one instant.
   */
  finalReads(ops: readonly Op[], untilUs: number, opening?: Op): void {
    if (opening !== undefined && this.clients.length > 0) {
      // The reads wait for the opening write to complete ok (see `finalWrite` in the scenario
      // schema): issued with it, they could race it and miss its value.
      this.finalOpening = { op: opening, reads: ops, untilUs };
      this.issueFinal(this.clients[0]!, opening, untilUs, false);
      return;
    }
    let i = 0;
    for (const op of ops) this.issueFinal(this.clients[i++ % this.clients.length]!, op, untilUs, false);
  }

  /**
   * The first attempt always goes out; a retry while a quarter of an op timeout is left before
   * `untilUs` (service that comes back just before the end still answers a read in a few round
   * trips; an attempt cut by the end stays open, and counts as not completed).
   */
  private issueFinal(client: Client, op: Op, untilUs: number, retry: boolean): void {
    const tryIssue = (): void => {
      if (retry && this.host.now + this.config.timeoutUs / 4 > untilUs) return;
      if (client.inFlight === undefined) this.invoke(client, op, untilUs);
      else this.host.at(this.host.now + this.config.retryDelayUs, tryIssue);
    };
    tryIssue();
  }

  private scheduleArrival(): void {
    const rate = this.config.ratePerSecond!;
    if (rate <= 0) return;
    const gapUs = Math.max(1, Math.round(this.arrivals.exponential(1_000_000 / rate)));
    const at = this.host.now + gapUs;
    if (at >= this.stopUs) return;
    this.host.at(at, this.onArrival);
  }

  private arrive(): void {
    if (!this.issuing) return;
    // The idle clients, in client order, in a reused buffer (the first `count` slots are live).
    const idle = this.idle;
    let count = 0;
    for (const c of this.clients) if (c.inFlight === undefined) idle[count++] = c;
    if (count === 0) this.stats.shed++;
    else this.invoke(idle[this.arrivals.int(count)]!, this.generator.next(this.arrivals)); // as Rng.pick draws
    this.scheduleArrival();
  }

  private issueNext(client: Client): void {
    if (!this.issuing || client.inFlight !== undefined) return;
    this.invoke(client, this.generator.next(client.rng));
  }

  private invoke(client: Client, op: Op, finalUntilUs?: number): void {
    const now = this.host.now;
    client.seq++;
    client.opCount++;
    const node = this.chooseNode(client);
    const flight: InFlight = {
      op,
      seq: client.seq,
      invokedUs: now,
      deadlineUs: now + this.config.timeoutUs,
      attemptDeadlineUs: now + this.config.timeoutUs,
      resendsLeft: this.config.retries ?? 0,
      resent: false,
      attempt: 0,
      tried: [],
      requestId: '',
      awaiting: false,
      node,
      lastError: '',
      finalUntilUs,
    };
    client.inFlight = flight;
    this.stats.invoked++;
    this.record(client, 'invoke', op, op.value, undefined);
    this.attempt(client, flight, node);
  }

  private attempt(client: Client, flight: InFlight, node: NodeId): void {
    flight.attempt++;
    flight.node = node;
    if (!flight.tried.includes(node)) flight.tried.push(node);
    flight.awaiting = true;
    flight.requestId = `${client.name}:${client.opCount}:${flight.attempt}`;
    if (flight.resendsLeft > 0) {
      // Each attempt gets its share of the op's timeout; the last one runs to the deadline.
      const shareUs = Math.max(1, Math.floor(this.config.timeoutUs / ((this.config.retries ?? 0) + 1)));
      flight.attemptDeadlineUs = Math.min(this.host.now + shareUs, flight.deadlineUs);
    } else {
      flight.attemptDeadlineUs = flight.deadlineUs;
    }
    if (client.timeoutCheckUs === -1 || client.timeoutCheckUs > flight.attemptDeadlineUs) this.scheduleTimeoutCheck(client, flight.attemptDeadlineUs);
    const request: ClientRequest = client.epoch > 0 ? { id: flight.requestId, client: client.name, seq: flight.seq, op: flight.op, epoch: client.epoch } : { id: flight.requestId, client: client.name, seq: flight.seq, op: flight.op };
    this.host.sendRequest(client.endpoint, node, request);
  }

  private onReply(client: Client, requestId: string, result: OpResult, from: NodeId): void {
    const flight = client.inFlight;
    if (flight === undefined || !flight.awaiting) return;
    if (flight.requestId !== requestId) {
      // A stale or duplicated reply, or the answer to an attempt that timed out and was resent:
      // that one is the op's answer if it says the op happened (its other answers are not final).
      if (!(flight.resent && result.type === 'ok' && requestId.startsWith(`${client.name}:${client.opCount}:`))) return;
    }
    if (result.epoch !== undefined) {
      if (result.epoch < client.epoch) return this.onDeposedAnswer(client, flight, requestId, result, from);
      client.epoch = result.epoch;
    }
    switch (result.type) {
      case 'ok':
        if (this.config.route === 'leader') client.leaderHint = from;
        // Jepsen's convention: a write-like op completes with the value it wrote.
        this.complete(client, 'ok', result.value !== undefined ? result.value : flight.op.f === 'read' ? null : flight.op.value, from, undefined);
        return;
      case 'fail':
        this.complete(client, flight.resent ? 'info' : 'fail', flight.op.value, from, flight.resent ? `${result.error ?? 'failed'} (an earlier attempt timed out)` : result.error);
        return;
      case 'info':
        this.complete(client, 'info', flight.op.value, from, result.error);
        return;
      case 'redirect': {
        this.stats.redirects++;
        flight.awaiting = false;
        flight.lastError = result.error ?? `redirected by ${from}`;
        const next = result.to ?? this.otherNode(client, from, flight.tried);
        if (result.to !== undefined) client.leaderHint = result.to;
        const at = this.host.now + this.config.retryDelayUs;
        if (flight.attempt >= MAX_ATTEMPTS_PER_OP || at >= flight.deadlineUs) {
          // Every attempt was definitely refused: the op did not happen (unless one timed out).
          this.complete(client, flight.resent ? 'info' : 'fail', flight.op.value, from, `${flight.lastError} (gave up after ${flight.attempt} attempts)`);
          return;
        }
        const opCount = client.opCount;
        this.host.at(at, () => {
          if (client.inFlight === flight && client.opCount === opCount) this.attempt(client, flight, next);
        });
        return;
      }
    }
  }

  /**
   * An answer from a server of an older epoch than the client has seen: not believed. An `ok` or
   * `info` of an op that writes may have taken effect there (a deposed primary's log, which its
   * successor's will overwrite), so the op can no longer end in a definite `fail`; the attempt is
   * over either way, and the op is tried again elsewhere as after a redirect.
   */
  private onDeposedAnswer(client: Client, flight: InFlight, requestId: string, result: OpResult, from: NodeId): void {
    this.stats.deposed++;
    if (flight.op.f !== 'read' && (result.type === 'ok' || result.type === 'info')) flight.resent = true;
    if (requestId !== flight.requestId) return; // an earlier attempt's late answer: the current one still runs
    this.onReply(client, requestId, { type: 'redirect', error: `${from} answered from epoch ${result.epoch ?? 0}, older than epoch ${client.epoch}` }, from);
  }

  private scheduleTimeoutCheck(client: Client, atUs: number): void {
    client.timeoutCheckUs = atUs;
    this.host.at(atUs, client.checkTimeout);
  }

  /** A timeout check came up: the op in flight times out if its deadline has come. */
  private onTimeoutCheck(client: Client): void {
    if (client.timeoutCheckUs !== this.host.now) return; // superseded by an earlier check
    client.timeoutCheckUs = -1;
    const flight = client.inFlight;
    if (flight === undefined) return;
    const now = this.host.now;
    if (flight.deadlineUs > now) {
      if (flight.awaiting && flight.attemptDeadlineUs <= now && flight.resendsLeft > 0) {
        // The attempt timed out: send the same command (same seq) to another node.
        flight.resendsLeft--;
        flight.resent = true;
        this.stats.resent++;
        this.attempt(client, flight, this.otherNode(client, flight.node, flight.tried));
        return;
      }
      this.scheduleTimeoutCheck(client, flight.awaiting && flight.attemptDeadlineUs > now ? flight.attemptDeadlineUs : flight.deadlineUs);
      return;
    }
    if (flight.awaiting || flight.resent) this.complete(client, 'info', flight.op.value, flight.node, flight.awaiting ? 'timeout' : `${flight.lastError} (timed out between attempts; an earlier attempt timed out)`);
    else this.complete(client, 'fail', flight.op.value, flight.node, `${flight.lastError} (timed out between attempts)`);
  }

  private complete(client: Client, type: 'ok' | 'fail' | 'info', value: unknown, node: NodeId, error: string | undefined): void {
    const flight = client.inFlight!;
    client.inFlight = undefined;
    this.stats[type]++;
    this.record(client, type, flight.op, value, error, node);
    if (type === 'ok') this.latencies.add(flight.op.f, this.host.now - flight.invokedUs);
    if (type === 'info') {
      // Jepsen: a process with an indeterminate op never invokes again.
      client.process = this.nextProcess++;
      if (this.processClients.size < MAX_NAMED_PROCESSES) this.processClients.set(client.process, client.name);
      client.leaderHint = undefined;
    }
    if (this.config.ratePerSecond === undefined && this.issuing) {
      this.host.at(this.host.now + this.config.thinkUs, client.issue);
    }
    const finalUntilUs = flight.finalUntilUs;
    const opening = this.finalOpening;
    if (type === 'ok' && opening !== undefined && opening.op === flight.op) {
      this.finalOpening = undefined;
      this.finalReads(opening.reads, opening.untilUs);
    }
    if (type !== 'ok' && finalUntilUs !== undefined) {
      this.host.at(this.host.now + this.config.retryDelayUs, () => this.issueFinal(client, flight.op, finalUntilUs, true));
    }
  }

  private record(client: { readonly process: number; readonly name: string }, type: EventType, op: Op, value: unknown, error: string | undefined, node?: NodeId): void {
    recordOp(this.host, this.keep, this.recorded++, client, type, op, value, error, node);
  }


  private chooseNode(client: Client): NodeId {
    switch (this.config.route) {
      case 'sticky':
        return client.home;
      case 'leader':
        return client.leaderHint ?? client.rng.pick(this.targets());
      case 'random':
        return client.rng.pick(this.targets());
    }
  }

  /**
   * A node other than `avoid`, one not `tried` yet (see InFlight.tried). Once every node was
   * tried, the walk starts over (`avoid` counts as tried), so each round visits every node once.
   */
  private otherNode(client: Client, avoid: NodeId, tried: NodeId[]): NodeId {
    const options = this.targets().filter((n) => n !== avoid);
    if (options.length === 0) return avoid;
    let untried = options.filter((n) => !tried.includes(n));
    if (untried.length === 0) {
      tried.length = 0;
      tried.push(avoid);
      untried = options;
    }
    return client.rng.pick(untried);
  }
}

/**
 * Records one client op event: kept (the history, or a stream), mixed into the trace hash, traced.
 * Shared by the workload's clients and the scripted ones of exploration.
 */
export function recordOp(
  host: ClientHost,
  keep: (event: HistoryEvent) => void,
  index: number,
  client: { readonly process: number; readonly name: string },
  type: EventType,
  op: Op,
  value: unknown,
  error: string | undefined,
  node: NodeId | undefined,
): void {
  // Built without spreads (one literal per shape, same key order): this runs twice per op.
  const timeUs = host.now;
  const event: { -readonly [K in keyof HistoryEvent]: HistoryEvent[K] } =
    op.key !== undefined ? { index, type, process: client.process, f: op.f, key: op.key, value, timeUs } : { index, type, process: client.process, f: op.f, value, timeUs };
  if (node !== undefined) event.node = node;
  if (error !== undefined) event.error = error;
  keep(event);
  host.mixHash(type.length * 31 + client.process);
  if (host.tracing === false) return;
  host.traceEvent({
    kind: 'op',
    type,
    process: client.process,
    client: client.name,
    f: op.f,
    ...(op.key !== undefined ? { key: op.key } : {}),
    value,
    ...(node !== undefined ? { node } : {}),
    ...(error !== undefined ? { error } : {}),
  });
}
