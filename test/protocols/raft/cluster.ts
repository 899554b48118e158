/**
 * A bare-Simulation harness for the lab-style Raft tests: exact control over who is cut off,
 * crashed or restarted, and direct client requests to a chosen node.
 */
import type { OpResult } from '../../../src/core/ops.js';
import type { NetworkConfig } from '../../../src/network/network.js';
import { createRaft, type RaftState } from '../../../src/protocols/raft/index.js';
import { parseOptions, type RaftOptions } from '../../../src/protocols/raft/options.js';
import type { Simulation } from '../../../src/kernel/simulation.js';
import { makeSim } from '../../support/sim.js';

export interface Cluster {
  readonly sim: Simulation;
  readonly ids: string[];
  state(id: string): RaftState | undefined;
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

export function options(raw: Record<string, unknown> = {}): RaftOptions {
  const parsed = parseOptions(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

export function cluster(config: { nodes: number; spares?: number; seed?: number; options?: Record<string, unknown>; flaws?: string[]; network?: Partial<NetworkConfig> }): Cluster {
  const protocol = createRaft(options(config.options), new Set(config.flaws ?? []));
  const { sim, network } = makeSim({ protocol, nodes: config.nodes, spares: config.spares ?? 0, seed: config.seed ?? 1, network: config.network ?? {} });
  const ids = Array.from({ length: config.nodes + (config.spares ?? 0) }, (_, i) => `n${i + 1}`);
  const replies = new Map<string, OpResult>();
  const endpoints = new Map<string, number>();
  for (const id of ids) endpoints.set(id, sim.addProcess(`c-${id}`, id, { onReply: (rid, result) => replies.set(rid, result) }));
  let nextRequest = 1;
  const autoSeq = new Map<string, number>();
  sim.start();
  const index = (id: string): number => ids.indexOf(id);
  const c: Cluster = {
    sim,
    ids,
    replies,
    state: (id) => sim.nodes[index(id)]!.state as RaftState | undefined,
    leaders: () => ids.filter((id) => sim.nodeStatus(id) === 'up' && (sim.nodes[index(id)]!.state as RaftState | undefined)?.role === 'leader'),
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
  return c;
}

/**
 * The one current leader among `among` (default: all), waiting for it: a leader whose term is the
 * highest among those nodes, so a deposed leader that has not heard the news yet does not count.
 * Throws if there is none within the budget.
 */
export function awaitLeader(c: Cluster, budgetUs = 3_000_000, among?: string[]): string {
  const current = (): string[] => {
    const group = (among ?? c.ids).filter((id) => c.state(id) !== undefined && c.sim.nodeStatus(id) === 'up');
    const top = Math.max(...group.map((id) => c.state(id)!.currentTerm));
    return c.leaders().filter((l) => group.includes(l) && c.state(l)!.currentTerm === top);
  };
  const ok = c.until(() => current().length === 1, budgetUs);
  if (!ok) throw new Error(`no single leader after ${budgetUs}µs: ${c.leaders().join(',') || 'none'}`);
  return current()[0]!;
}
