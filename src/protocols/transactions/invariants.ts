/**
 * Safety properties checked after every step.
 * - atomicity: no transaction is committed by one participant and aborted by another — nor
 *   committed while a participant that voted yes for it came back from a crash without its
 *   PREPARED record (its vote, and its share of the writes, forgotten).
 * - single-owner: at no moment do two nodes serve the same key range (a live move hands a range
 *   over without a moment of two owners).
 * Work per step is proportional to what changed: the node that stepped, its new outcomes.
 */
import type { ClusterView, Invariant, NodeView } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';
import type { Migration, ShardMap, TxState, TxnId } from './types.js';

type Visit = (index: number, id: NodeId, state: TxState) => string | undefined;

function eachChanged(cluster: ClusterView<TxState>, visit: Visit): string | undefined {
  const changed = cluster.changed;
  const index = cluster.changedIndex;
  if (changed !== undefined && index !== undefined) return changed.state === undefined ? undefined : visit(index, changed.id, changed.state);
  const nodes = cluster.nodes as readonly NodeView<TxState>[];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.state === undefined) continue;
    const message = visit(i, n.id, n.state);
    if (message !== undefined) return message;
  }
  return undefined;
}

interface Seen {
  readonly commit?: NodeId;
  readonly abort?: NodeId;
  readonly forgot?: NodeId;
}

export const atomicity: Invariant<TxState> = {
  name: 'atomicity',
  description: 'no transaction committed at one participant and aborted (or its yes vote forgotten) at another',
  monitor() {
    const outcomes = new Map<TxnId, Seen>();
    const nodes: Array<{ state: TxState; seen: number; inDoubt: Set<TxnId> } | undefined> = [];
    const note = (txn: TxnId, node: NodeId, what: keyof Seen): string | undefined => {
      const before = outcomes.get(txn) ?? {};
      if (before[what] !== undefined) return undefined;
      const after: Seen = { ...before, [what]: node };
      outcomes.set(txn, after);
      if (after.commit === undefined) return undefined;
      if (after.abort !== undefined) return `transaction ${txn} was committed by ${after.commit} but aborted at ${after.abort}`;
      if (after.forgot !== undefined) return `transaction ${txn} was committed by ${after.commit}, but ${after.forgot} voted yes for it and came back from a crash without its PREPARED record`;
      return undefined;
    };
    const visit: Visit = (index, id, state) => {
      let n = nodes[index];
      if (n === undefined || n.state !== state) {
        // A new state object: the node restarted. Every yes vote it had must be back from disk.
        if (n !== undefined) {
          for (const txn of n.inDoubt) {
            if (state.txns.get(txn)?.record == null) {
              const message = note(txn, id, 'forgot');
              if (message !== undefined) return message;
            }
          }
        }
        n = { state, seen: state.outcomeBase, inDoubt: new Set() };
        nodes[index] = n;
      }
      const log = state.outcomeLog;
      for (let i = Math.max(0, n.seen - state.outcomeBase); i < log.length; i++) {
        const { txn, decision, role } = log[i]!;
        if (role === 'participant') n.inDoubt.delete(txn);
        const message = note(txn, role === 'coordinator' ? `${id} (its coordinator)` : id, decision);
        if (message !== undefined) return message;
      }
      n.seen = state.outcomeBase + log.length;
      for (const txn of state.txns.values()) if (txn.record !== null) n.inDoubt.add(txn.id);
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/** The ranges (token indexes) a node serves: its shard's tokens, less one leaving in a move. */
function servedBy(map: ShardMap, shard: string | undefined, moving: Migration | null): Set<number> {
  const out = new Set<number>();
  map.ring.tokens.forEach((t, i) => {
    if (t.node === shard && (moving === null || moving.token !== i)) out.add(i);
  });
  return out;
}

export const singleOwner: Invariant<TxState> = {
  name: 'single-owner',
  description: 'at every moment at most one node serves each key range',
  monitor() {
    const cache: Array<{ map: ShardMap; moving: Migration | null; served: Set<number> } | undefined> = [];
    const served = (index: number, state: TxState): Set<number> => {
      const c = cache[index];
      if (c !== undefined && c.map === state.map && c.moving === state.moving) return c.served;
      const fresh = { map: state.map, moving: state.moving, served: servedBy(state.map, state.shard, state.moving) };
      cache[index] = fresh;
      return fresh.served;
    };
    return (cluster) => {
      const nodes = cluster.nodes as readonly NodeView<TxState>[];
      const check = (index: number): string | undefined => {
        const node = nodes[index]!;
        if (node.state === undefined) return undefined;
        const mine = served(index, node.state);
        for (let j = 0; j < nodes.length; j++) {
          const other = nodes[j]!;
          if (j === index || other.state === undefined) continue;
          for (const token of served(j, other.state)) {
            if (mine.has(token)) return `${node.id} and ${other.id} both serve the key range of ring token ${token} (map epochs ${node.state.map.epoch} and ${other.state.map.epoch})`;
          }
        }
        return undefined;
      };
      if (cluster.changedIndex !== undefined) return check(cluster.changedIndex);
      for (let i = 0; i < nodes.length; i++) {
        const message = check(i);
        if (message !== undefined) return message;
      }
      return undefined;
    };
  },
};

export const invariants: readonly Invariant<TxState>[] = [atomicity, singleOwner];
