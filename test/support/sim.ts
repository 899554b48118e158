import type { AnyProtocol } from '../../src/core/protocol.js';
import { Simulation, type KernelLimits } from '../../src/kernel/simulation.js';
import { Network, type NetworkConfig } from '../../src/network/network.js';
import { Rng } from '../../src/rng/index.js';
import { TraceRecorder } from '../../src/trace/events.js';

export const quietNetwork: NetworkConfig = {
  latency: { dist: 'constant', valueUs: 1000 },
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayUs: 0,
  fifo: false,
  inFlightOnCut: 'drop',
  lossyClientLinks: false,
};

/** A bare simulation of `nodes` members running `protocol`, for kernel-level tests. */
export function makeSim(options: {
  protocol: AnyProtocol;
  nodes?: number;
  spares?: number;
  seed?: number;
  network?: Partial<NetworkConfig>;
  limits?: Partial<KernelLimits>;
  trace?: boolean;
}): { sim: Simulation; network: Network; trace: TraceRecorder | undefined } {
  const n = options.nodes ?? 3;
  const ids = Array.from({ length: n + (options.spares ?? 0) }, (_, i) => `n${i + 1}`);
  const rng = Rng.root(options.seed ?? 1);
  const endpointNames: string[] = [...ids];
  const network = new Network({ ...quietNetwork, ...options.network }, ids.length, rng.fork('net'), (i) => endpointNames[i] ?? `c${i - ids.length + 1}`);
  const trace = options.trace ? new TraceRecorder() : undefined;
  const sim = new Simulation({
    seed: String(options.seed ?? 1),
    rng,
    protocol: options.protocol,
    nodeIds: ids,
    members: ids.slice(0, n),
    network,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(trace ? { trace } : {}),
  });
  return { sim, network, trace };
}
