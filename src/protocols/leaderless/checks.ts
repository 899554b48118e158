/**
 * End-of-run checks a leaderless scenario can name. The pure checkers in src/checkers judge the
 * history against final views; this module builds those views from the nodes' stores: view i
 * holds, for every key, what the key's i-th holder stores. Which nodes hold a key is read from the
 * stores, never asked of the protocol's placement code (which is under test too). With N below the
 * cluster size nodes hold different keys, so the generic `converged` (equal node views) does not
 * apply; `replicas-converged` does.
 */
import type { CheckVerdict, NodeView, ProtocolCheck, ProtocolCheckInput } from '../../core/protocol.js';
import { plural } from '../../core/plural.js';
import { checkCounterBounds, checkLostUpdates, checkMonotonicReads, checkReadYourWrites, checkSetComplete, type KvView } from '../crdt/checkers.js';
import { clientValue, mergeOptional, sameObject } from '../crdt/object.js';
import type { LeaderlessOptions } from './options.js';
import { SINGLE_OBJECT_KEY, type LeaderlessState } from './types.js';

type Input = ProtocolCheckInput<LeaderlessState>;

function upStates(nodes: readonly NodeView<LeaderlessState>[]): Map<string, LeaderlessState> {
  const out = new Map<string, LeaderlessState>();
  for (const n of nodes) if (n.status === 'up' && n.state !== undefined) out.set(n.id, n.state);
  return out;
}

function allKeys(states: Map<string, LeaderlessState>): string[] {
  const keys = new Set<string>();
  for (const s of states.values()) for (const k of Object.keys(s.store)) keys.add(k);
  return [...keys].sort();
}

/**
 * Where each key lives, as the nodes show it: the up nodes whose store holds it, in id order. The
 * checks judge placement from this, never from the protocol's own ring code, so a placement bug
 * (a preference list with a duplicate host, say) shows up as a key on too few nodes.
 */
function holdersByKey(states: Map<string, LeaderlessState>, keys: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const key of keys) out.set(key, [...states.keys()].filter((id) => states.get(id)!.store[key] !== undefined).sort());
  return out;
}

/**
 * View i: each key's value at its i-th holder (the last holder's when it has fewer), so a key held
 * anywhere is judged at every copy and a key held nowhere is absent from every view.
 */
export function replicaViews(nodes: readonly NodeView<LeaderlessState>[], options: LeaderlessOptions): unknown[] {
  const states = upStates(nodes);
  if (states.size === 0) return [];
  const keys = options.model === 'kv' ? allKeys(states) : [SINGLE_OBJECT_KEY];
  const holders = holdersByKey(states, keys);
  const width = Math.max(1, ...[...holders.values()].map((h) => h.length));
  const views: unknown[] = [];
  for (let i = 0; i < width; i++) {
    const view: Record<string, unknown> = {};
    let single: unknown = clientValue(undefined, options.model);
    for (const key of keys) {
      const list = holders.get(key)!;
      if (list.length === 0) continue;
      const value = clientValue(states.get(list[Math.min(i, list.length - 1)]!)!.store[key], options.model);
      if (options.model === 'kv') view[key] = value;
      else single = value;
    }
    views.push(options.model === 'kv' ? view : single);
  }
  return views;
}

function modelCheck(name: string, model: LeaderlessOptions['model'], description: string, run: (input: Input) => CheckVerdict, options: LeaderlessOptions): ProtocolCheck<LeaderlessState> {
  return {
    name,
    description,
    check: (input) => (options.model === model ? run(input) : { verdict: 'unknown', detail: `${name} applies to model ${model}, this run serves ${options.model}` }),
  };
}

/**
 * After the heal: every key any node stores is held by min(N, up nodes) distinct up nodes that all
 * hold equal data, and no hint holds anything its home node lacks. Judged from the stores alone:
 * which nodes hold a key is read from them, not computed by the protocol's placement code.
 */
export function checkReplicasConverged(nodes: readonly NodeView<LeaderlessState>[], options: LeaderlessOptions): CheckVerdict {
  const states = upStates(nodes);
  if (states.size === 0) return { verdict: 'unknown', detail: 'no node is up' };
  const keys = options.model === 'kv' ? allKeys(states) : [...states.values()].some((st) => st.store[SINGLE_OBJECT_KEY] !== undefined) ? [SINGLE_OBJECT_KEY] : [];
  const holders = holdersByKey(states, keys);
  const wanted = Math.min(options.N, states.size);
  const diverged: unknown[] = [];
  const underReplicated: unknown[] = [];
  for (const key of keys) {
    const list = holders.get(key)!;
    if (list.length < wanted) underReplicated.push({ key, holders: list, wanted });
    const first = states.get(list[0]!)!.store[key];
    if (list.some((n) => !sameObject(states.get(n)!.store[key], first))) diverged.push({ key, replicas: list.map((n) => ({ node: n, value: clientValue(states.get(n)!.store[key], options.model) })) });
  }
  const undelivered: unknown[] = [];
  for (const [holder, s] of states) {
    for (const h of s.hints) {
      const home = states.get(h.intended);
      if (home === undefined) continue;
      if (!sameObject(mergeOptional(home.store[h.key], h.obj), home.store[h.key])) undelivered.push({ holder, for: h.intended, key: h.key });
    }
  }
  if (diverged.length > 0) return { verdict: 'fail', detail: `${plural(diverged.length, 'key')} ${diverged.length === 1 ? 'differs' : 'differ'} between the nodes holding ${diverged.length === 1 ? 'it' : 'them'}`, evidence: diverged.slice(0, 10) };
  if (underReplicated.length > 0) {
    const first = underReplicated[0] as { key: string; holders: string[]; wanted: number };
    return {
      verdict: 'fail',
      detail: `${plural(underReplicated.length, 'key')} on fewer than ${first.wanted} nodes after the heal; e.g. ${JSON.stringify(first.key)} only on ${first.holders.join(', ') || 'no node'} (N = ${options.N})`,
      evidence: underReplicated.slice(0, 10),
    };
  }
  if (undelivered.length > 0) return { verdict: 'fail', detail: `${undelivered.length} hint(s) hold data their home replica lacks`, evidence: undelivered.slice(0, 10) };
  return { verdict: 'pass', detail: `${plural(keys.length, 'key')}, each on ${wanted} or more nodes that agree, and no hint is pending` };
}

/** Every update the clients invoked was acknowledged (none timed out or failed). */
export function checkWritesAvailable(input: Input): CheckVerdict {
  const failed: unknown[] = [];
  let updates = 0;
  for (const e of input.history) {
    if (e.f === 'read') continue;
    if (e.type === 'invoke') updates++;
    else if (e.type !== 'ok') failed.push({ process: e.process, f: e.f, key: e.key ?? null, value: e.value, outcome: e.type, error: e.error ?? null, node: e.node ?? null });
  }
  if (failed.length > 0) return { verdict: 'fail', detail: `${failed.length} of ${updates} updates were not acknowledged`, evidence: failed.slice(0, 10) };
  return { verdict: 'pass', detail: updates === 1 ? 'the one update was acknowledged' : `all ${updates} updates acknowledged` };
}

export function leaderlessChecks(options: LeaderlessOptions): ProtocolCheck<LeaderlessState>[] {
  return [
    modelCheck('lost-updates', 'kv', 'every acknowledged write is in the final replicas or superseded by a write that may have seen it', (i) => checkLostUpdates(i.history, replicaViews(i.nodes, options) as KvView[]), options),
    modelCheck('counter-bounds', 'counter', 'the final counter lies between the acknowledged adds and the acknowledged plus indeterminate ones', (i) => checkCounterBounds(i.history, replicaViews(i.nodes, options) as number[]), options),
    modelCheck('set-complete', 'set', 'every acknowledged add is in the final set at every replica', (i) => checkSetComplete(i.history, replicaViews(i.nodes, options) as unknown[][]), options),
    { name: 'read-your-writes', description: 'each process reads its own acknowledged writes (or newer)', check: (i) => checkReadYourWrites(i.history) },
    { name: 'monotonic-reads', description: 'no process reads older data than it read before', check: (i) => checkMonotonicReads(i.history) },
    { name: 'replicas-converged', description: 'after heal, each key is on N nodes that agree (read from the stores, not the placement code) and no hint is undelivered', historyFree: true, check: (i) => checkReplicasConverged(i.nodes, options) },
    { name: 'writes-available', description: 'every update was acknowledged (none timed out or failed)', check: checkWritesAvailable },
  ];
}
