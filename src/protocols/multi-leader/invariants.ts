/**
 * Multi-leader invariants, checked after every step, besides the minting ones every CRDT store
 * declares (crdt/invariants.ts):
 * - acks-held: what a node records as acknowledged by a peer (`acked[peer]`), the peer applied
 *   (`applied[node]`), and what a peer applied from a node, that node minted (`nextSeq - 1`).
 *   Both are persisted before the message that reports them leaves, so a crash cannot undo them;
 *   a node that resends from a position its peer does not hold skips updates for good.
 */
import type { ClusterView, Invariant, NodeView } from '../../core/protocol.js';
import { mintingInvariants } from '../crdt/invariants.js';
import type { MultiLeaderState } from './types.js';

function judge(a: NodeView<MultiLeaderState>, b: NodeView<MultiLeaderState>): string | undefined {
  const as = a.state!;
  const bs = b.state!;
  const acked = as.acked[b.id] ?? 0;
  const applied = bs.applied[a.id] ?? 0;
  if (acked > applied) return `${a.id} records its updates through ${acked} as acknowledged by ${b.id}, which applied only ${applied}`;
  if (applied > as.nextSeq - 1) return `${b.id} applied ${a.id}'s updates through ${applied}, but ${a.id} minted only ${as.nextSeq - 1}`;
  return undefined;
}

const acksHeld: Invariant<MultiLeaderState> = {
  name: 'acks-held',
  description: "a node's record of what a peer acknowledged never exceeds what the peer applied, nor what a peer applied what the origin minted",
  monitor() {
    return (cluster: ClusterView<MultiLeaderState>) => {
      const nodes = cluster.nodes as readonly NodeView<MultiLeaderState>[];
      const changed = cluster.changed;
      for (const a of nodes) {
        if (a.state === undefined) continue;
        for (const b of nodes) {
          if (b === a || b.state === undefined) continue;
          // Only pairs with the node that stepped can have changed.
          if (changed !== undefined && changed !== a && changed !== b) continue;
          const message = judge(a, b);
          if (message !== undefined) return message;
        }
      }
      return undefined;
    };
  },
};

export const multiLeaderInvariants: readonly Invariant<MultiLeaderState>[] = [...mintingInvariants<MultiLeaderState>(), acksHeld];
