/**
 * Safety properties checked after every step.
 * - single-primary-per-epoch: no two nodes ever act as primary (accept writes) in one epoch.
 *   Different epochs may overlap (the split-brain window of a partitioned old primary is real);
 *   one epoch may not.
 * - replica-prefix-of-primary: the prefix a replica has confirmed to its primary (verifiedSeq)
 *   is that primary's log. Log-matching makes the last confirmed entry stand for the whole prefix,
 *   so the check is O(nodes) per step.
 */
import type { ClusterView, Invariant } from '../../core/protocol.js';
import type { MsState } from './types.js';

export const singlePrimaryPerEpoch: Invariant<MsState> = {
  name: 'single-primary-per-epoch',
  description: 'at most one node is ever primary in a given epoch',
  monitor() {
    const primaryOf = new Map<number, string>();
    return (cluster: ClusterView<MsState>) => {
      for (const node of cluster.nodes) {
        const state = node.state;
        if (state === undefined || state.role !== 'primary') continue;
        const seen = primaryOf.get(state.epoch);
        if (seen === undefined) primaryOf.set(state.epoch, node.id);
        else if (seen !== node.id) return `${seen} and ${node.id} were both primary in epoch ${state.epoch}`;
      }
      return undefined;
    };
  },
};

export const replicaPrefixOfPrimary: Invariant<MsState> = {
  name: 'replica-prefix-of-primary',
  description: "a replica's confirmed log prefix equals its primary's log there",
  monitor() {
    return (cluster: ClusterView<MsState>) => {
      for (const node of cluster.nodes) {
        const replica = node.state;
        if (replica === undefined || replica.role !== 'replica' || replica.verifiedSeq === 0 || replica.primary === null) continue;
        const primary = cluster.nodes.find((n) => n.id === replica.primary)?.state;
        if (primary === undefined || primary.role !== 'primary' || primary.epoch !== replica.epoch) continue;
        const seq = replica.verifiedSeq;
        const mine = replica.log[seq - 1];
        const theirs = primary.log[seq - 1];
        if (mine === undefined) return `${node.id} confirmed seq ${seq} to ${replica.primary} but holds only ${replica.log.length} entries`;
        if (theirs === undefined) return `${node.id} confirmed seq ${seq} but its primary ${replica.primary} holds only ${primary.log.length} entries (epoch ${primary.epoch})`;
        if (mine.epoch !== theirs.epoch || mine.key !== theirs.key || JSON.stringify(mine.value) !== JSON.stringify(theirs.value)) {
          return `${node.id} and its primary ${replica.primary} differ at confirmed seq ${seq}: ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`;
        }
      }
      return undefined;
    };
  },
};

export const invariants: readonly Invariant<MsState>[] = [singlePrimaryPerEpoch, replicaPrefixOfPrimary];
