/**
 * Invariants for stores that mint CRDT updates (leaderless, multi-leader), checked after every
 * step. They judge what the replicas hold against what each node minted, not against the merge or
 * comparison code that put it there, so a mistake shows at the step it happens:
 * - minter-grows: a node never mints a version, dot or LWW timestamp it minted before — its minter
 *   only grows, even across restarts (it is persisted before a minted update leaves). For
 *   last-writer-wins this is the store's own promise that a node's timestamps only grow.
 * - versions-minted: nothing a replica holds claims more of a node's updates than that node made:
 *   every version-vector entry, OR-Set dot and counter contribution of node X is within X's minter,
 *   and every LWW timestamp of X is one X reached. (A merge that sums counters, or invents a
 *   version, breaks it at the merge.)
 */
import type { NodeId } from '../../core/ids.js';
import type { ClusterView, Invariant, NodeView } from '../../core/protocol.js';
import { eachChanged, type Visit } from '../common/monitor.js';
import type { Minter, ReplicatedObject } from './object.js';

/** What the invariants read of a store's state. */
export interface MintingState {
  readonly self: NodeId;
  readonly minter: Minter;
  readonly store: Readonly<Record<string, ReplicatedObject>>;
}

function minterGrows<S extends MintingState>(): Invariant<S> {
  return {
    name: 'minter-grows',
    description: "a node's minter (dot counter, last LWW timestamp, own counter totals) never goes back, even across restarts",
    monitor() {
      // A copy per node (minters are mutated in place), taken again only when something moved.
      const last: Array<Minter | undefined> = [];
      const visit: Visit<S> = (i, id, s) => {
        const before = last[i];
        const now = s.minter;
        if (before !== undefined && before.counter === now.counter && before.lastTimestampUs === now.lastTimestampUs && before.own === now.own) return undefined;
        last[i] = { counter: now.counter, lastTimestampUs: now.lastTimestampUs, own: now.own };
        if (before === undefined) return undefined;
        if (now.counter < before.counter) return `${id}'s dot counter went back from ${before.counter} to ${now.counter}: it may mint a version it minted before`;
        if (now.lastTimestampUs < before.lastTimestampUs) return `${id}'s last LWW timestamp went back from ${before.lastTimestampUs} to ${now.lastTimestampUs}: its timestamps no longer only grow`;
        for (const side of ['p', 'n'] as const) {
          const was = before.own[side][id] ?? 0;
          const is = now.own[side][id] ?? 0;
          if (is < was) return `${id}'s own counter ${side === 'p' ? 'increments' : 'decrements'} went back from ${was} to ${is}`;
        }
        return undefined;
      };
      return (cluster) => eachChanged(cluster, visit);
    },
  };
}

/** Why `obj` claims more of some node's updates than that node minted, or undefined. */
function unminted(key: string, obj: ReplicatedObject, minterOf: (node: NodeId) => Minter | undefined): string | undefined {
  switch (obj.kind) {
    case 'lww': {
      const m = minterOf(obj.reg.node);
      if (m !== undefined && obj.reg.timestampUs > m.lastTimestampUs) return `key ${JSON.stringify(key)} holds a timestamp ${obj.reg.timestampUs} of ${obj.reg.node}, which only reached ${m.lastTimestampUs}`;
      return undefined;
    }
    case 'mv':
      for (const e of obj.reg.entries) {
        for (const [node, counter] of Object.entries(e.version)) {
          const m = minterOf(node);
          if (m !== undefined && counter > m.counter) return `key ${JSON.stringify(key)} holds version ${node}:${counter}, but ${node} minted only ${m.counter}`;
        }
      }
      return undefined;
    case 'pn':
      for (const side of ['p', 'n'] as const) {
        for (const [node, amount] of Object.entries(obj.counter[side])) {
          const m = minterOf(node);
          const own = m?.own[side][node] ?? 0;
          if (m !== undefined && amount > own) return `key ${JSON.stringify(key)} counts ${amount} ${side === 'p' ? 'increments' : 'decrements'} of ${node}, which made only ${own}`;
        }
      }
      return undefined;
    case 'orset':
      for (const e of obj.set.entries) {
        for (const dot of e.dots) {
          const m = minterOf(dot.origin);
          if (m !== undefined && dot.counter > m.counter) return `key ${JSON.stringify(key)} holds dot ${dot.origin}:${dot.counter}, but ${dot.origin} minted only ${m.counter}`;
        }
      }
      return undefined;
  }
}

function versionsMinted<S extends MintingState>(): Invariant<S> {
  return {
    name: 'versions-minted',
    description: "every version, dot, counter contribution and LWW timestamp a replica holds was minted by the node it names",
    monitor() {
      // Per node: the objects already judged, by key (objects are replaced, never mutated, on
      // merge), so a step costs the keys that changed. Minters only grow (minter-grows), so what
      // was minted stays minted.
      const judged: Array<Map<string, ReplicatedObject> | undefined> = [];
      const stateOf: Array<S | undefined> = [];
      return (cluster: ClusterView<S>) => {
        const nodes = cluster.nodes as readonly NodeView<S>[];
        const minterOf = (node: NodeId): Minter | undefined => {
          for (const n of nodes) if (n.id === node) return n.state?.minter;
          return undefined;
        };
        const visit: Visit<S> = (i, id, s) => {
          let seen = judged[i];
          if (seen === undefined || stateOf[i] !== s) {
            seen = new Map();
            judged[i] = seen;
            stateOf[i] = s;
          }
          for (const key of Object.keys(s.store)) {
            const obj = s.store[key]!;
            if (seen.get(key) === obj) continue;
            const why = unminted(key, obj, minterOf);
            if (why !== undefined) return `${id}: ${why}`;
            seen.set(key, obj);
          }
          return undefined;
        };
        return eachChanged(cluster, visit);
      };
    },
  };
}

/** The invariants every CRDT store here declares. */
export function mintingInvariants<S extends MintingState>(): Invariant<S>[] {
  return [minterGrows<S>(), versionsMinted<S>()];
}
