/** The lab-style Raft tests' cluster (see test/support/cluster.ts). */
import type { NetworkConfig } from '../../../src/network/network.js';
import { createRaft, type RaftState } from '../../../src/protocols/raft/index.js';
import { parseOptions, type RaftOptions } from '../../../src/protocols/raft/options.js';
import { protocolCluster, type Cluster as GenericCluster } from '../../support/cluster.js';

export type Cluster = GenericCluster<RaftState>;

export function options(raw: Record<string, unknown> = {}): RaftOptions {
  const parsed = parseOptions(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

export function cluster(config: { nodes: number; spares?: number; seed?: number; options?: Record<string, unknown>; flaws?: string[]; network?: Partial<NetworkConfig> }): Cluster {
  const protocol = createRaft(options(config.options), new Set(config.flaws ?? []));
  return protocolCluster<RaftState>({ ...config, protocol, isLeader: (s) => s.role === 'leader' });
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
