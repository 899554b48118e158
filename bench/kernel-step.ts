/**
 * The kernel against a hand-written event loop, both doing the work of a real protocol step
 * (issue #14, item 5): the relay pair in kernel.ts measures only the message path.
 *
 * The protocol, on both sides: 5 replicas, 50 closed-loop clients each sending its next request to
 * a random replica when the last is answered.
 * - a request: the replica bumps its value, persists {value, term}, replicates to a random peer,
 *   replies ok, arms a retry timer (20 ms) and re-arms its heartbeat timer (50 ms);
 * - a replicate: the replica takes the higher value, persists, acks, re-arms its election timer
 *   (150-300 ms, randomized);
 * - an ack cancels the retry timer;
 * - a retry timer replicates again; a heartbeat timer replicates to every peer; an election timer
 *   bumps the term, persists and re-arms.
 * After every step, an invariant: no replica's term ever goes down.
 *
 * The hand-written loop is what a competent engineer writes for exactly this: a binary heap of
 * (time, seq) events, nodes as plain objects, timers cancelled lazily by a generation number per
 * timer (a stale heap entry is skipped when it comes up), persists as a fresh object per write,
 * xorshift32 draws, latencies from the same distribution (exponential, mean 2 ms, at least 200 µs).
 * No trace hash, no fault model, no effect buffering, no bounds: what the kernel adds is what the
 * ratio prices. Both count steps (handler calls); the ratio is the kernel's steps per CPU second
 * over the hand-written loop's.
 */
import type { ClientRequest, OpResult } from '../src/core/ops.js';
import type { Protocol } from '../src/core/protocol.js';
import { Simulation } from '../src/kernel/simulation.js';
import { Network } from '../src/network/network.js';
import { Rng } from '../src/rng/index.js';
import { BareHeap, cpuMs, xorshift32 } from './bare-loop.js';

const NODES = 5;
const CLIENTS = 50;
const RETRY_US = 20_000;
const HEARTBEAT_US = 50_000;
const ELECTION_US = 150_000;
const LATENCY = { meanUs: 2_000, minUs: 200 };

interface ReplicaState {
  value: number;
  term: number;
}
type ReplicaMsg = { type: 'replicate'; value: number; term: number } | { type: 'ack'; value: number };

/** The protocol as dsim runs it. */
const replica: Protocol<ReplicaState, ReplicaMsg, ReplicaState> = {
  name: 'bench-replica',
  init(ctx) {
    ctx.setTimer('election', ELECTION_US + Math.floor(ctx.random() * ELECTION_US));
    return { value: 0, term: 0 };
  },
  onRequest(state, request, ctx) {
    state.value++;
    ctx.persist({ value: state.value, term: state.term });
    const peers = ctx.peers;
    ctx.send(peers[Math.floor(ctx.random() * peers.length)]!, { type: 'replicate', value: state.value, term: state.term });
    ctx.reply(request.id, { type: 'ok', value: state.value });
    ctx.setTimer('retry', RETRY_US);
    ctx.setTimer('heartbeat', HEARTBEAT_US);
  },
  onMessage(state, from, msg, ctx) {
    switch (msg.type) {
      case 'replicate':
        if (msg.value > state.value) state.value = msg.value;
        if (msg.term > state.term) state.term = msg.term;
        ctx.persist({ value: state.value, term: state.term });
        ctx.send(from, { type: 'ack', value: state.value });
        ctx.setTimer('election', ELECTION_US + Math.floor(ctx.random() * ELECTION_US));
        return;
      case 'ack':
        ctx.cancelTimer('retry');
        return;
    }
  },
  onTimer(state, name, ctx) {
    const peers = ctx.peers;
    switch (name) {
      case 'retry':
        ctx.send(peers[Math.floor(ctx.random() * peers.length)]!, { type: 'replicate', value: state.value, term: state.term });
        return;
      case 'heartbeat':
        for (const peer of peers) ctx.send(peer, { type: 'replicate', value: state.value, term: state.term });
        return;
      case 'election':
        state.term++;
        ctx.persist({ value: state.value, term: state.term });
        ctx.setTimer('election', ELECTION_US + Math.floor(ctx.random() * ELECTION_US));
        return;
    }
  },
  invariants: [
    {
      name: 'term-never-decreases',
      monitor() {
        const seen = new Float64Array(NODES);
        return (view) => {
          const i = view.changedIndex;
          const state = view.changed?.state;
          if (i === undefined || state === undefined) return undefined;
          if (state.term < seen[i]!) return `${view.changed!.id} went from term ${seen[i]} to ${state.term}`;
          seen[i] = state.term;
          return undefined;
        };
      },
    },
  ],
};

export interface StepRun {
  /** Handler calls (requests, messages, timers fired). */
  steps: number;
  /** Client requests answered. */
  replies: number;
  cpuMs: number;
}

/** dsim's kernel runs the protocol for `virtualUs` of virtual time. */
export function kernelStepRun(virtualUs: number): StepRun & { hash: string } {
  const ids = Array.from({ length: NODES }, (_, i) => `n${i + 1}`);
  const rng = Rng.root('bench-step');
  const network = new Network(
    { latency: { dist: 'exponential', ...LATENCY }, loss: 0, duplicate: 0, reorder: 0, reorderDelayUs: 0, fifo: false, inFlightOnCut: 'drop', lossyClientLinks: false },
    ids.length,
    rng.fork('network'),
    (i) => ids[i] ?? `c${i - NODES + 1}`,
  );
  const sim = new Simulation({ seed: 'bench-step', rng, protocol: replica, nodeIds: ids, members: ids, network });
  const pick = rng.fork('clients');
  let replies = 0;
  for (let c = 1; c <= CLIENTS; c++) {
    const name = `c${c}`;
    let seq = 0;
    const next = (): void => {
      seq++;
      const request: ClientRequest = { id: `${name}:${seq}`, client: name, seq, op: { f: 'write', value: seq } };
      sim.sendRequest(endpoint, ids[pick.int(NODES)]!, request);
    };
    const endpoint = sim.addProcess(name, ids[c % NODES]!, {
      onReply(_id: string, _result: OpResult) {
        replies++;
        next();
      },
    });
    sim.at(0, next);
  }
  const started = cpuMs();
  sim.start();
  sim.run(virtualUs);
  const ms = cpuMs() - started;
  if (sim.findings.length > 0) throw new Error(`the bench protocol failed: ${sim.findings[0]!.message}`);
  return { steps: sim.stats.steps, replies, cpuMs: ms, hash: sim.traceHash };
}

const REQUEST = 0;
const MESSAGE = 1;
const REPLY = 2;
const TIMER = 3;
const MSG_REPLICATE = 0;
const MSG_ACK = 1;
const T_RETRY = 0;
const T_HEARTBEAT = 1;
const T_ELECTION = 2;

interface HandEvent {
  time: number;
  seq: number;
  kind: number;
  /** The node (REQUEST, MESSAGE, TIMER) or client (REPLY) it happens at. */
  target: number;
  /** The sender: a client (REQUEST) or node (MESSAGE). */
  source: number;
  /** REQUEST: the client's seq; MESSAGE: the message kind; TIMER: the timer. */
  a: number;
  /** MESSAGE: the value; TIMER: the generation it was armed at. */
  b: number;
  /** MESSAGE: the term. */
  c: number;
}

interface HandNode {
  value: number;
  term: number;
  durable: { value: number; term: number } | undefined;
  /** Per timer: bumped on every arm and cancel; a queued timer of an older generation is stale. */
  timerGen: Int32Array;
}

/** The same protocol, hand-written, for the same virtual time. */
export function handStepRun(virtualUs: number): StepRun {
  const heap = new BareHeap<HandEvent>();
  const rand = xorshift32(0x5eed);
  let seq = 0;
  let now = 0;
  const latency = (): number => LATENCY.minUs + Math.floor(-(LATENCY.meanUs - LATENCY.minUs) * Math.log(1 - rand()));
  const push = (time: number, kind: number, target: number, source: number, a: number, b: number, c: number): void =>
    heap.push({ time, seq: seq++, kind, target, source, a, b, c });
  const nodes: HandNode[] = Array.from({ length: NODES }, () => ({ value: 0, term: 0, durable: undefined, timerGen: new Int32Array(3) }));
  const termSeen = new Float64Array(NODES);
  const clientSeq = new Int32Array(CLIENTS);
  const randomPeer = (self: number): number => {
    const p = Math.floor(rand() * (NODES - 1));
    return p >= self ? p + 1 : p;
  };
  const setTimer = (node: number, timer: number, afterUs: number): void => {
    const gen = ++nodes[node]!.timerGen[timer]!;
    push(now + afterUs, TIMER, node, node, timer, gen, 0);
  };
  const cancelTimer = (node: number, timer: number): void => {
    nodes[node]!.timerGen[timer]!++;
  };
  const send = (from: number, to: number, msg: number, value: number, term: number): void => push(now + latency(), MESSAGE, to, from, msg, value, term);
  const persist = (n: HandNode): void => {
    n.durable = { value: n.value, term: n.term };
  };
  const request = (client: number): void => {
    push(now + latency(), REQUEST, Math.floor(rand() * NODES), client, ++clientSeq[client]!, 0, 0);
  };
  let steps = 0;
  let replies = 0;
  const started = cpuMs();
  for (let i = 0; i < NODES; i++) setTimer(i, T_ELECTION, ELECTION_US + Math.floor(rand() * ELECTION_US));
  for (let c = 0; c < CLIENTS; c++) request(c);
  while (heap.size > 0 && heap.peek()!.time <= virtualUs) {
    const ev = heap.pop()!;
    now = ev.time;
    const node = ev.target;
    const n = nodes[node]!;
    switch (ev.kind) {
      case REPLY:
        replies++;
        request(ev.target);
        continue;
      case REQUEST:
        n.value++;
        persist(n);
        send(node, randomPeer(node), MSG_REPLICATE, n.value, n.term);
        push(now + latency(), REPLY, ev.source, node, ev.a, n.value, 0);
        setTimer(node, T_RETRY, RETRY_US);
        setTimer(node, T_HEARTBEAT, HEARTBEAT_US);
        break;
      case MESSAGE:
        if (ev.a === MSG_REPLICATE) {
          if (ev.b > n.value) n.value = ev.b;
          if (ev.c > n.term) n.term = ev.c;
          persist(n);
          send(node, ev.source, MSG_ACK, n.value, 0);
          setTimer(node, T_ELECTION, ELECTION_US + Math.floor(rand() * ELECTION_US));
        } else {
          cancelTimer(node, T_RETRY);
        }
        break;
      case TIMER:
        if (ev.b !== n.timerGen[ev.a]) continue; // re-armed or cancelled since
        if (ev.a === T_RETRY) send(node, randomPeer(node), MSG_REPLICATE, n.value, n.term);
        else if (ev.a === T_HEARTBEAT) {
          for (let p = 0; p < NODES; p++) if (p !== node) send(node, p, MSG_REPLICATE, n.value, n.term);
        } else {
          n.term++;
          persist(n);
          setTimer(node, T_ELECTION, ELECTION_US + Math.floor(rand() * ELECTION_US));
        }
        break;
    }
    steps++;
    // The invariant, after every step of a node.
    if (n.term < termSeen[node]!) throw new Error(`n${node + 1} went from term ${termSeen[node]} to ${n.term}`);
    termSeen[node] = n.term;
  }
  return { steps, replies, cpuMs: cpuMs() - started };
}

export interface StepPair {
  /** Virtual time of each run, µs. */
  virtualUs: number;
  kernelSteps: number;
  handSteps: number;
  kernelStepsPerCpuSec: number;
  handStepsPerCpuSec: number;
  /** Kernel steps per CPU second over the hand-written loop's (goal >= 0.5). */
  ratio: number;
}

/** Best of `reps` alternating runs of each side, after a warm-up of each; never a forced GC. */
export function benchProtocolStep(virtualUs = 20_000_000, reps = 5): StepPair {
  kernelStepRun(virtualUs / 10);
  handStepRun(virtualUs / 10);
  let kernel: StepRun | undefined;
  let hand: StepRun | undefined;
  for (let rep = 0; rep < reps; rep++) {
    const k = kernelStepRun(virtualUs);
    if (kernel === undefined || k.steps / k.cpuMs > kernel.steps / kernel.cpuMs) kernel = k;
    const h = handStepRun(virtualUs);
    if (hand === undefined || h.steps / h.cpuMs > hand.steps / hand.cpuMs) hand = h;
  }
  const kernelStepsPerCpuSec = kernel!.steps / (kernel!.cpuMs / 1000);
  const handStepsPerCpuSec = hand!.steps / (hand!.cpuMs / 1000);
  return { virtualUs, kernelSteps: kernel!.steps, handSteps: hand!.steps, kernelStepsPerCpuSec, handStepsPerCpuSec, ratio: kernelStepsPerCpuSec / handStepsPerCpuSec };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = benchProtocolStep();
  console.log(
    `protocol step: kernel ${Math.round(r.kernelStepsPerCpuSec).toLocaleString('en-US')} steps/s CPU, hand-written ${Math.round(r.handStepsPerCpuSec).toLocaleString('en-US')} steps/s CPU, ratio ${r.ratio.toFixed(2)} (goal >= 0.5)`,
  );
}
