/**
 * Raft's safety properties (Figure 3 of the paper), checked by the kernel after every step. Each
 * monitor remembers what it saw, so a property is judged over the whole run, not one instant.
 * Work per step is proportional to what changed: new log entries, new commits, new applies.
 */
import type { ClusterView, Invariant, NodeView } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import { chainAt, entryAt } from './log.js';
import type { LogEntry, RaftState } from './types.js';

type Cluster = ClusterView<RaftState>;

function upStates(cluster: Cluster): Array<{ id: NodeId; state: RaftState }> {
  const out: Array<{ id: NodeId; state: RaftState }> = [];
  for (const n of cluster.nodes as readonly NodeView<RaftState>[]) if (n.state !== undefined) out.push({ id: n.id, state: n.state });
  return out;
}

/** At most one leader per term, ever. */
const electionSafety: Invariant<RaftState> = {
  name: 'election-safety',
  description: 'at most one leader is elected in any term, over the whole run',
  monitor() {
    const leaderOf = new Map<number, NodeId>();
    return (cluster) => {
      for (const { id, state } of upStates(cluster)) {
        if (state.role !== 'leader') continue;
        const known = leaderOf.get(state.currentTerm);
        if (known === undefined) leaderOf.set(state.currentTerm, id);
        else if (known !== id) return `two leaders in term ${state.currentTerm}: ${known} and ${id}`;
      }
      return undefined;
    };
  },
};

/**
 * If two logs hold an entry with the same index and term, they agree on every entry up to it.
 * Each node digests its own log prefix (the chain); entries with equal (index, term) must have
 * equal chains. Only entries not yet seen are checked: they are always a suffix of a log.
 */
const logMatching: Invariant<RaftState> = {
  name: 'log-matching',
  description: 'logs that share an entry (same index and term) are identical up to it',
  monitor() {
    const chainOf = new Map<string, { chain: number; node: NodeId }>();
    const seen = new WeakSet<LogEntry>();
    return (cluster) => {
      for (const { id, state } of upStates(cluster)) {
        const entries = state.log.entries;
        for (let k = entries.length - 1; k >= 0; k--) {
          const e = entries[k]!;
          if (seen.has(e)) break;
          seen.add(e);
          const key = `${e.index}:${e.term}`;
          const known = chainOf.get(key);
          if (known === undefined) chainOf.set(key, { chain: e.chain, node: id });
          else if (known.chain !== e.chain) return `${known.node} and ${id} both hold index ${e.index} of term ${e.term} but their logs differ at or before it`;
        }
      }
      return undefined;
    };
  },
};

/**
 * A committed entry is in the log of every leader of a later term. Commits are recorded as
 * (index, chain) per term in which a node saw them; a leader of a higher term must hold the same
 * chain at that index (the chain covers the whole prefix). Entries a leader compacted into its
 * snapshot are covered by state-machine safety instead.
 */
const leaderCompleteness: Invariant<RaftState> = {
  name: 'leader-completeness',
  description: 'every committed entry is present in the log of every leader of a later term',
  monitor() {
    const lastCommit = new WeakMap<RaftState, number>();
    /** Per term in which commits were observed: the highest committed point. */
    const committed = new Map<number, { index: number; chain: number; node: NodeId }>();
    let version = 0;
    const checked = new WeakMap<RaftState, string>();
    return (cluster) => {
      const nodes = upStates(cluster);
      for (const { id, state } of nodes) {
        if (lastCommit.get(state) === state.commitIndex) continue;
        lastCommit.set(state, state.commitIndex);
        const chain = chainAt(state.log, state.commitIndex);
        if (chain === undefined) continue; // commit index beyond the log (possible only under flaws)
        const known = committed.get(state.currentTerm);
        if (known === undefined || known.index < state.commitIndex) {
          committed.set(state.currentTerm, { index: state.commitIndex, chain, node: id });
          version++;
        }
      }
      for (const { id, state } of nodes) {
        if (state.role !== 'leader') continue;
        const stamp = `${state.currentTerm}:${version}`;
        if (checked.get(state) === stamp) continue;
        checked.set(state, stamp);
        for (const [term, point] of committed) {
          if (term >= state.currentTerm || point.index <= state.log.snapshot.lastIndex) continue;
          const entry = entryAt(state.log, point.index);
          if (entry === undefined) return `${id} leads term ${state.currentTerm} without index ${point.index}, which ${point.node} saw committed in term ${term}`;
          if (entry.chain !== point.chain) return `${id} leads term ${state.currentTerm} with a log that differs at or before index ${point.index}, which ${point.node} saw committed in term ${term}`;
        }
      }
      return undefined;
    };
  },
};

/** Every node applies the same entry at each index: applied sequences are prefixes of one another. */
const stateMachineSafety: Invariant<RaftState> = {
  name: 'state-machine-safety',
  description: "every node's applied sequence is a prefix of the longest one",
  monitor() {
    const digestAt = new Map<number, { digest: number; node: NodeId }>();
    const cursor = new WeakMap<RaftState, number>();
    return (cluster) => {
      for (const { id, state } of upStates(cluster)) {
        const from = cursor.get(state) ?? -1;
        if (from === state.lastApplied) continue;
        cursor.set(state, state.lastApplied);
        for (const [index, digest] of state.appliedTrail) {
          if (index <= from && from !== -1) continue;
          const known = digestAt.get(index);
          if (known === undefined) digestAt.set(index, { digest, node: id });
          else if (known.digest !== digest) return `${known.node} and ${id} applied different sequences through index ${index}`;
        }
      }
      return undefined;
    };
  },
};

export const raftInvariants: readonly Invariant<RaftState>[] = [electionSafety, logMatching, leaderCompleteness, stateMachineSafety];
