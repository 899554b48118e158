/**
 * Where a key lives and whom to ask: the preference list from the ring, and, with a sloppy quorum,
 * healthy fallbacks further along the ring standing in for suspected replicas. Suspicion comes from
 * timeouts (a replica that did not answer in time) and ends when the node is heard from again.
 */
import type { NodeId } from '../../core/ids.js';
import { preferenceList, ringWalk } from '../common/ring.js';
import type { LeaderlessOptions } from './options.js';
import type { LeaderlessState, Target } from './types.js';

export function replicasOf(state: LeaderlessState, key: string, options: LeaderlessOptions): NodeId[] {
  return preferenceList(state.ring, key, options.N);
}

export function isReplica(state: LeaderlessState, key: string, options: LeaderlessOptions): boolean {
  return replicasOf(state, key, options).includes(state.self);
}

export function isSuspected(state: LeaderlessState, node: NodeId, nowUs: number): boolean {
  return node !== state.self && (state.suspects[node] ?? -Infinity) > nowUs;
}

export function suspect(state: LeaderlessState, node: NodeId, nowUs: number, options: LeaderlessOptions): void {
  if (node !== state.self) state.suspects[node] = nowUs + options.suspectForUs;
}

export function heardFrom(state: LeaderlessState, node: NodeId): void {
  if (state.suspects[node] !== undefined) delete state.suspects[node];
}

/** The nodes past the preference list, in ring order: candidates to stand in for a replica. */
export function fallbacksOf(state: LeaderlessState, key: string, options: LeaderlessOptions): NodeId[] {
  return ringWalk(state.ring, key).slice(options.N);
}

/**
 * The nodes an operation on `key` contacts: the preference list, where (with a sloppy quorum) each
 * suspected replica is replaced by the next unsuspected fallback, which will hold a hint for it.
 */
export function chooseTargets(state: LeaderlessState, key: string, nowUs: number, options: LeaderlessOptions): Target[] {
  const pref = replicasOf(state, key, options);
  if (!options.sloppyQuorum) return pref.map((node) => ({ node, answered: false }));
  const spare = fallbacksOf(state, key, options).filter((n) => !isSuspected(state, n, nowUs));
  return pref.map((node) => {
    if (!isSuspected(state, node, nowUs) || spare.length === 0) return { node, answered: false };
    return { node: spare.shift()!, hintFor: node, answered: false };
  });
}

/** The next fallback for a replica that did not answer: not yet used by this op and not suspected. */
export function nextFallback(state: LeaderlessState, key: string, used: readonly Target[], nowUs: number, options: LeaderlessOptions): NodeId | undefined {
  const busy = new Set(used.map((t) => t.node));
  return fallbacksOf(state, key, options).find((n) => !busy.has(n) && !isSuspected(state, n, nowUs));
}
