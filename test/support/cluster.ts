/**
 * A bare-Simulation harness for lab-style protocol tests: exact control over who is cut off,
 * crashed or restarted, and direct client requests to a chosen node.
 */
import type { OpResult } from '../../src/core/ops.js';
import type { AnyProtocol } from '../../src/core/protocol.js';
import type { NetworkConfig } from '../../src/network/network.js';
import type { Simulation } from '../../src/kernel/simulation.js';
import { makeSim } from './sim.js';

export interface Cluster<S> {
  readonly sim: Simulation;
  readonly ids: string[];
  state(id: string): S | undefined;
  /** Up nodes whose state says they lead. */
  leaders(): string[];
  /** Runs until `pred` holds (checked every ms of virtual time) or `budgetUs` passes; returns whether it held. */
  until(pred: () => boolean, budgetUs: number): boolean;
  runFor(us: number): void;
  /** Sends a client request to `node` (from a client in its zone); the reply lands in `replies`. */
  request(node: string, op: { f: string; key?: string; value: unknown }, client?: string, seq?: number): string;
  readonly replies: Map<string, OpResult>;
  isolate(...nodes: string[]): number;
  split(groups: string[][]): number;
  heal(id?: number): void;
  /** Invariant findings so far. */
  violations(): string[];
}

export function protocolCluster<S>(config: {
  protocol: AnyProtocol;
  isLeader: (state: S) => boolean;
  nodes: number;
  spares?: number;
  seed?: number;
  network?: Partial<NetworkConfig>;
}): Cluster<S> {
  const { sim, network } = makeSim({ protocol: config.protocol, nodes: config.nodes, spares: config.spares ?? 0, seed: config.seed ?? 1, network: config.network ?? {} });
  const ids = Array.from({ length: config.nodes + (config.spares ?? 0) }, (_, i) => `n${i + 1}`);
  const replies = new Map<string, OpResult>();
  const endpoints = new Map<string, number>();
  for (const id of ids) endpoints.set(id, sim.addProcess(`c-${id}`, id, { onReply: (rid, result) => replies.set(rid, result) }));
  let nextRequest = 1;
  const autoSeq = new Map<string, number>();
  sim.start();
  const index = (id: string): number => ids.indexOf(id);
  const stateOf = (id: string): S | undefined => sim.nodes[index(id)]!.state as S | undefined;
  return {
    sim,
    ids,
    replies,
    state: stateOf,
    leaders: () => ids.filter((id) => sim.nodeStatus(id) === 'up' && stateOf(id) !== undefined && config.isLeader(stateOf(id)!)),
    until(pred, budgetUs) {
      const end = sim.now + budgetUs;
      while (sim.now < end) {
        if (pred()) return true;
        sim.run(sim.now + 1000);
      }
      return pred();
    },
    runFor: (us) => sim.run(sim.now + us),
    request(node, op, client = `c-${node}`, seq) {
      const id = `r${nextRequest++}`;
      const s = seq ?? (autoSeq.get(client) ?? 0) + 1;
      autoSeq.set(client, s);
      sim.sendRequest(endpoints.get(node)!, node, { id, client, seq: s, op });
      return id;
    },
    isolate: (...nodes) => network.partition({ kind: 'split', groups: [nodes.map(index)] }),
    split: (groups) => network.partition({ kind: 'split', groups: groups.map((g) => g.map(index)) }),
    heal: (id) => network.heal(id),
    violations: () => sim.findings.filter((f) => f.kind === 'invariant').map((f) => `${f.name}: ${f.message}`),
  };
}
