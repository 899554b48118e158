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
import { isPrimary } from './pair.js';
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
  /** How the yes vote was forgotten: "n2 voted yes for it and came back from a crash", or a takeover. */
  readonly forgot?: string;
}

export const atomicity: Invariant<TxState> = {
  name: 'atomicity',
  description: 'no transaction committed at one participant and aborted (or its yes vote forgotten) at another',
  monitor() {
    const outcomes = new Map<TxnId, Seen>();
    const nodes: Array<{ state: TxState; seen: number; serving: boolean } | undefined> = [];
    const note = (txn: TxnId, node: string, what: keyof Seen): string | undefined => {
      const before = outcomes.get(txn) ?? {};
      if (before[what] !== undefined) return undefined;
      const after: Seen = { ...before, [what]: node };
      outcomes.set(txn, after);
      if (after.commit === undefined) return undefined;
      if (after.abort !== undefined) return `transaction ${txn} was committed by ${after.commit} but aborted at ${after.abort}`;
      if (after.forgot !== undefined) return `transaction ${txn} was committed by ${after.commit}, but ${after.forgot} without its PREPARED record`;
      return undefined;
    };
    // Transactions a shard voted yes for and has not decided: per node, or per primary-backup shard
    // (whichever of its nodes serves it must have them, after a restart as after a failover).
    const inDoubt = new Map<string, Set<TxnId>>();
    // The newest term a primary served in, per shard: a restarted primary of an older term is fenced.
    const newestTerm = new Map<string, number>();
    const visit: Visit = (index, id, state) => {
      let n = nodes[index];
      const scope = state.repl === null ? `node ${index}` : `shard ${state.shard ?? ''}`;
      const term = state.shard === undefined ? 0 : (state.map.terms?.[state.shard] ?? 1);
      const serving = isPrimary(state) && term >= (newestTerm.get(scope) ?? 0);
      if (serving) newestTerm.set(scope, term);
      if (n === undefined || n.state !== state || (serving && !n.serving)) {
        // A new state object (a restart), or a node that now serves its shard (a failover): every
        // yes vote the shard had must be back, from disk or from the backup's copy of it.
        if (n !== undefined && serving) {
          for (const txn of inDoubt.get(scope) ?? []) {
            if (state.txns.get(txn)?.record == null) {
              const how = n.state === state ? `${state.shard ?? id} voted yes for it, and ${id} took the shard over` : `${id} voted yes for it and came back from a crash`;
              const message = note(txn, how, 'forgot');
              if (message !== undefined) return message;
            }
          }
        }
        if (serving) inDoubt.set(scope, new Set());
        n = { state, seen: n?.state === state ? n.seen : state.outcomeBase, serving };
        nodes[index] = n;
      }
      n.serving = serving;
      const doubts = inDoubt.get(scope) ?? new Set<TxnId>();
      inDoubt.set(scope, doubts);
      const log = state.outcomeLog;
      for (let i = Math.max(0, n.seen - state.outcomeBase); i < log.length; i++) {
        const { txn, decision, role } = log[i]!;
        // A primary deposed without knowing it (fenced by a newer term) decides only for itself:
        // nothing it decides is confirmed by its backup, so nobody hears of it, and the new
        // primary's record replaces its state when it re-joins.
        if (role === 'participant' && state.repl !== null && !serving) continue;
        if (role === 'participant') doubts.delete(txn);
        const message = note(txn, role === 'coordinator' ? `${id} (its coordinator)` : id, decision);
        if (message !== undefined) return message;
      }
      n.seen = state.outcomeBase + log.length;
      if (serving) for (const txn of state.txns.values()) if (txn.record !== null) doubts.add(txn.id);
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/** The ranges (token indexes) a node serves: its shard's tokens, less one leaving in a move (none while it is a backup). */
function servedBy(map: ShardMap, shard: string | undefined, moving: Migration | null, primary: boolean): Set<number> {
  const out = new Set<number>();
  if (!primary) return out;
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
      const fresh = { map: state.map, moving: state.moving, served: servedBy(state.map, state.shard, state.moving, isPrimary(state)) };
      cache[index] = fresh;
      return fresh.served;
    };
    // Primary-backup shards: the newest term any node has known for each shard (terms only grow).
    const newestTerm = new Map<string, number>();
    /**
     * The deposed primary of a primary-backup shard believes it serves until it hears of the newer
     * term; the term fences it (its backup took over and refuses it, so it can vote and commit
     * nothing): it is not an owner.
     */
    const fenced = (state: TxState): boolean => state.repl !== null && state.shard !== undefined && (state.map.terms?.[state.shard] ?? 1) < (newestTerm.get(state.shard) ?? 0);
    return (cluster) => {
      const nodes = cluster.nodes as readonly NodeView<TxState>[];
      for (const n of nodes) {
        const terms = n.state?.map.terms;
        if (terms !== undefined) for (const shard of Object.keys(terms)) if (terms[shard]! > (newestTerm.get(shard) ?? 0)) newestTerm.set(shard, terms[shard]!);
      }
      const check = (index: number): string | undefined => {
        const node = nodes[index]!;
        if (node.state === undefined || fenced(node.state)) return undefined;
        const mine = served(index, node.state);
        for (let j = 0; j < nodes.length; j++) {
          const other = nodes[j]!;
          if (j === index || other.state === undefined || fenced(other.state)) continue;
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
