/**
 * Raft's own end-of-run checks. `voters-converged` is convergence where membership can change: a
 * server removed from the configuration stops receiving entries and keeps its stale state (as a
 * decommissioned machine would), and a spare that was started but never added holds nothing, so
 * only the voters of the final configuration must agree.
 */
import type { NodeView, ProtocolCheck } from '../../core/protocol.js';
import { checkConverged } from '../crdt/checkers.js';
import type { RaftState } from './types.js';

/** The configuration of the up node that committed the most: the cluster's latest. */
export function finalVoters(nodes: readonly NodeView<RaftState>[]): readonly string[] | undefined {
  let best: RaftState | undefined;
  for (const n of nodes) {
    const s = n.state;
    if (n.status !== 'up' || s === undefined) continue;
    if (best === undefined || s.commitIndex > best.commitIndex || (s.commitIndex === best.commitIndex && s.currentTerm > best.currentTerm)) best = s;
  }
  return best?.config.voters;
}

export const raftChecks: readonly ProtocolCheck<RaftState>[] = [
  {
    name: 'voters-converged',
    description: 'after heal, the up voters of the final configuration hold equal state',
    historyFree: true,
    check: ({ nodes, healed }) => {
      const voters = new Set(finalVoters(nodes) ?? []);
      const views = nodes.filter((n) => n.status === 'up' && n.state !== undefined && voters.has(n.id)).map((n) => ({ node: n.id, view: n.state!.kv.data }));
      return checkConverged(views, healed);
    },
  },
];
