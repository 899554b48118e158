/**
 * Safety properties checked after every step.
 * - single-primary-per-epoch: no two nodes ever act as primary (accept writes) in one epoch.
 *   Different epochs may overlap (the split-brain window of a partitioned old primary is real);
 *   one epoch may not.
 * - replica-prefix-of-primary: the prefix a replica has confirmed to its primary (verifiedSeq)
 *   is that primary's log. Log-matching makes the last confirmed entry stand for the whole prefix,
 *   so the check is O(nodes) per step.
 * Both pairwise checks (this and confirmed-held) judge, after a step, only the pairs the stepping
 * node is in: no other node's state changed since the previous check, where they held.
 */
import type { ClusterView, Invariant, NodeView } from '../../core/protocol.js';
import { eachChanged, type Visit } from '../common/monitor.js';
import type { LogEntry, MsState } from './types.js';

export const singlePrimaryPerEpoch: Invariant<MsState> = {
  name: 'single-primary-per-epoch',
  description: 'at most one node is ever primary in a given epoch',
  monitor() {
    const primaryOf = new Map<number, string>();
    // After a step only the stepping node changed: it alone can have become a primary.
    const visit: Visit<MsState> = (_index, id, state) => {
      if (state.role !== 'primary') return undefined;
      const seen = primaryOf.get(state.epoch);
      if (seen === undefined) primaryOf.set(state.epoch, id);
      else if (seen !== id) return `${seen} and ${id} were both primary in epoch ${state.epoch}`;
      return undefined;
    };
    return (cluster: ClusterView<MsState>) => eachChanged(cluster, visit);
  },
};

export const replicaPrefixOfPrimary: Invariant<MsState> = {
  name: 'replica-prefix-of-primary',
  description: "a replica's confirmed log prefix equals its primary's log there",
  monitor() {
    const judge = (nodes: readonly NodeView<MsState>[], node: NodeView<MsState>): string | undefined => {
      const replica = node.state;
      if (replica === undefined || replica.role !== 'replica' || replica.verifiedSeq === 0 || replica.primary === null) return undefined;
      const primary = nodes.find((n) => n.id === replica.primary)?.state;
      if (primary === undefined || primary.role !== 'primary' || primary.epoch !== replica.epoch) return undefined;
      const seq = replica.verifiedSeq;
      const mine = replica.log[seq - 1];
      const theirs = primary.log[seq - 1];
      if (mine === undefined) return `${node.id} confirmed seq ${seq} to ${replica.primary} but holds only ${replica.log.length} entries`;
      if (theirs === undefined) return `${node.id} confirmed seq ${seq} but its primary ${replica.primary} holds only ${primary.log.length} entries (epoch ${primary.epoch})`;
      if (!sameEntry(mine, theirs)) return `${node.id} and its primary ${replica.primary} differ at confirmed seq ${seq}: ${JSON.stringify(mine)} vs ${JSON.stringify(theirs)}`;
      return undefined;
    };
    return (cluster: ClusterView<MsState>) => {
      // After a step only the stepping node changed: only the pairs it is in can have broken.
      const changed = cluster.changed;
      for (const node of cluster.nodes) {
        if (changed !== undefined && node.id !== changed.id && node.state?.primary !== changed.id) continue;
        const message = judge(cluster.nodes, node);
        if (message !== undefined) return message;
      }
      return undefined;
    };
  },
};

/**
 * A node's epoch and the epoch of its ballot never go back, even across restarts (both are
 * persisted), and within one ballot epoch it never changes whom it voted for: an epoch fenced is
 * fenced for good, and a vote granted is a vote kept.
 */
export const epochsOnlyGrow: Invariant<MsState> = {
  name: 'epochs-only-grow',
  description: "a node's epoch and ballot epoch never decrease, even across restarts, and it votes for one candidate per epoch",
  monitor() {
    const epochOf: number[] = [];
    const ballotOf: number[] = [];
    const voteOf: Array<string | null> = [];
    const visit: Visit<MsState> = (i, id, s) => {
      const epoch = epochOf[i];
      if (epoch !== undefined && s.epoch < epoch) return `${id}'s epoch went back from ${epoch} to ${s.epoch}`;
      epochOf[i] = s.epoch;
      const ballot = ballotOf[i];
      if (ballot !== undefined && s.votedEpoch < ballot) return `${id}'s ballot went back from epoch ${ballot} to ${s.votedEpoch}`;
      const vote = voteOf[i] ?? null;
      if (ballot === s.votedEpoch && vote !== null && s.votedFor !== vote) return `${id} voted for ${vote} and then for ${s.votedFor ?? 'nobody'} in epoch ${ballot}`;
      ballotOf[i] = s.votedEpoch;
      voteOf[i] = s.votedFor;
      return undefined;
    };
    return (cluster: ClusterView<MsState>) => eachChanged(cluster, visit);
  },
};

/**
 * What a primary counts as confirmed by a replica of its epoch, the replica holds: the replica's
 * log reaches the confirmed position and has the primary's entry there — and every node applied
 * only entries it holds. (The analogue of Raft's match index: a replica's confirmed position never
 * exceeds what it holds.)
 */
export const confirmedHeld: Invariant<MsState> = {
  name: 'confirmed-held',
  description: "a primary's confirmed position for a replica of its epoch never exceeds what that replica holds, with the same entries; nodes apply only what they hold",
  monitor() {
    const judge = (primary: MsState, primaryId: string, replica: MsState, replicaId: string): string | undefined => {
      const m = primary.matchSeq[replicaId] ?? 0;
      if (m === 0) return undefined;
      if (replica.log.length < m) return `${primaryId} (primary of epoch ${primary.epoch}) counts seq ${m} as confirmed by ${replicaId}, which holds only ${replica.log.length} entries`;
      const mine = primary.log[m - 1];
      const theirs = replica.log[m - 1]!;
      if (mine !== undefined && !sameEntry(mine, theirs)) {
        return `${primaryId} (primary of epoch ${primary.epoch}) counts seq ${m} as confirmed by ${replicaId}, which holds a different entry there: ${JSON.stringify(theirs)} vs ${JSON.stringify(mine)}`;
      }
      return undefined;
    };
    const applied = (n: NodeView<MsState>): string | undefined => {
      const s = n.state;
      return s !== undefined && s.appliedSeq > s.log.length ? `${n.id} applied through seq ${s.appliedSeq} but holds only ${s.log.length} entries` : undefined;
    };
    const pair = (p: NodeView<MsState>, r: NodeView<MsState>): string | undefined => {
      const primary = p.state;
      const replica = r.state;
      if (primary === undefined || primary.role !== 'primary' || replica === undefined || r.id === p.id || replica.role !== 'replica' || replica.epoch !== primary.epoch || replica.primary !== p.id) return undefined;
      return judge(primary, p.id, replica, r.id);
    };
    return (cluster: ClusterView<MsState>) => {
      const nodes = cluster.nodes;
      const changed = cluster.changed;
      if (changed === undefined) {
        for (const n of nodes) {
          const message = applied(n);
          if (message !== undefined) return message;
        }
        for (const p of nodes) {
          for (const r of nodes) {
            const message = pair(p, r);
            if (message !== undefined) return message;
          }
        }
        return undefined;
      }
      // After a step only the stepping node changed: only it, and the pairs it is in, can have
      // broken. A primary is in the pairs of its replicas; a replica in the one of its primary.
      const message = applied(changed);
      if (message !== undefined || changed.state === undefined) return message;
      if (changed.state.role === 'primary') {
        for (const r of nodes) {
          const broken = pair(changed, r);
          if (broken !== undefined) return broken;
        }
        return undefined;
      }
      const primaryId = changed.state.primary;
      const p = primaryId === null ? undefined : nodes.find((n) => n.id === primaryId);
      return p === undefined ? undefined : pair(p, changed);
    };
  },
};

/** Two log entries are the same write (values compared as JSON unless they are the same value). */
function sameEntry(a: LogEntry, b: LogEntry): boolean {
  return a.epoch === b.epoch && a.key === b.key && (a.value === b.value || JSON.stringify(a.value) === JSON.stringify(b.value));
}

export const invariants: readonly Invariant<MsState>[] = [singlePrimaryPerEpoch, replicaPrefixOfPrimary, epochsOnlyGrow, confirmedHeld];
