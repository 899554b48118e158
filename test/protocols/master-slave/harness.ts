/**
 * A bare simulation of the master-slave protocol with one client endpoint in each node's zone,
 * for tests that drive single requests and faults by hand (constant 1ms links by default).
 */
import type { Op, OpResult } from '../../../src/core/ops.js';
import type { NetworkConfig } from '../../../src/network/network.js';
import { definition } from '../../../src/protocols/master-slave/index.js';
import type { MsState } from '../../../src/protocols/master-slave/types.js';
import { makeSim } from '../../support/sim.js';

export interface Reply {
  readonly result: OpResult;
  readonly from: string;
  readonly atUs: number;
}

export function msCluster(rawOptions: Record<string, unknown>, config: { nodes?: number; seed?: number; network?: Partial<NetworkConfig>; trace?: boolean } = {}) {
  const parsed = definition.parseOptions(rawOptions);
  if (!parsed.ok) throw new Error(`bad options: ${JSON.stringify(parsed.issues)}`);
  const protocol = definition.create({ options: parsed.value, flaws: new Set() });
  const nodes = config.nodes ?? 3;
  const { sim, network, trace } = makeSim({ protocol, nodes, seed: config.seed ?? 1, ...(config.network ? { network: config.network } : {}), trace: config.trace ?? false });
  const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const replies = new Map<string, Reply>();
  const endpoints = new Map<string, number>();
  for (const id of ids) {
    endpoints.set(
      id,
      sim.addProcess(`c-${id}`, id, {
        onReply: (requestId, result, from) => {
          if (!replies.has(requestId)) replies.set(requestId, { result, from, atUs: sim.now });
        },
      }),
    );
  }
  sim.start();
  let next = 0;

  const api = {
    sim,
    network,
    trace,
    protocol,
    /** Sends one op to `node` from a client in `zone`'s zone (default: the node's own), with the highest epoch the client has seen. */
    send(node: string, op: Op, zone = node, epoch?: number): string {
      const id = `r${++next}`;
      sim.sendRequest(endpoints.get(zone)!, node, { id, client: `c-${zone}`, seq: next, op, ...(epoch !== undefined ? { epoch } : {}) });
      return id;
    },
    write(node: string, key: string, value: unknown): string {
      return api.send(node, { f: 'write', key, value });
    },
    read(node: string, key: string): string {
      return api.send(node, { f: 'read', key, value: null });
    },
    reply(id: string): Reply | undefined {
      return replies.get(id);
    },
    /** Runs for `us` more microseconds. */
    advance(us: number): void {
      sim.run(sim.now + us);
    },
    state(node: string): MsState {
      const s = sim.nodes[sim.nodeIndex(node)]!.state as MsState | undefined;
      if (s === undefined) throw new Error(`${node} is down`);
      return s;
    },
    view(node: string): unknown {
      return protocol.view!(api.state(node));
    },
    primaries(): string[] {
      return ids.filter((id) => sim.nodeStatus(id) === 'up' && api.state(id).role === 'primary');
    },
    index(node: string): number {
      return sim.nodeIndex(node);
    },
  };
  return api;
}
