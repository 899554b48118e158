/**
 * End-of-run checks a multi-leader scenario can name: the convergence-family checkers over every up
 * node's final view (every node holds every key), plus the session guarantees.
 */
import type { CheckVerdict, NodeView, ProtocolCheck, ProtocolCheckInput } from '../../core/protocol.js';
import { checkCounterBounds, checkLostUpdates, checkMonotonicReads, checkReadYourWrites, checkSetComplete, type KvView } from '../crdt/checkers.js';
import type { MultiLeaderOptions } from './options.js';
import type { MultiLeaderState } from './types.js';

type Input = ProtocolCheckInput<MultiLeaderState>;

export function finalViews(nodes: readonly NodeView<MultiLeaderState>[], view: (s: MultiLeaderState) => unknown): unknown[] {
  return nodes.filter((n) => n.status === 'up' && n.state !== undefined).map((n) => view(n.state!));
}

export function multiLeaderChecks(options: MultiLeaderOptions, view: (s: MultiLeaderState) => unknown): ProtocolCheck<MultiLeaderState>[] {
  const forModel = (name: string, model: MultiLeaderOptions['model'], description: string, run: (i: Input) => CheckVerdict): ProtocolCheck<MultiLeaderState> => ({
    name,
    description,
    check: (i) => (options.model === model ? run(i) : { verdict: 'unknown', detail: `${name} applies to model ${model}, this run serves ${options.model}` }),
  });
  return [
    forModel('lost-updates', 'kv', 'every acknowledged write is in every final view or superseded by a write that may have seen it', (i) => checkLostUpdates(i.history, finalViews(i.nodes, view) as KvView[])),
    forModel('counter-bounds', 'counter', 'every final counter lies between the acknowledged adds and the acknowledged plus indeterminate ones', (i) => checkCounterBounds(i.history, finalViews(i.nodes, view) as number[])),
    forModel('set-complete', 'set', 'every acknowledged add is in every final set', (i) => checkSetComplete(i.history, finalViews(i.nodes, view) as unknown[][])),
    { name: 'read-your-writes', description: 'each process reads its own acknowledged writes (or newer)', check: (i) => checkReadYourWrites(i.history) },
    { name: 'monotonic-reads', description: 'no process reads older data than it read before', check: (i) => checkMonotonicReads(i.history) },
  ];
}
