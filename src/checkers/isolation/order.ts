/**
 * Process and real-time order between transactions, as graph edges.
 *
 * Real time: T1 → T2 when T1 completed (ok) before T2 was invoked. All such pairs would be
 * quadratic; only a transitive reduction is added. Walking the history in order, the *frontier*
 * holds the completed txns no completed txn is known to follow yet; an invocation gets an edge
 * from each of them, and a completion replaces its own predecessors in the frontier (they reach
 * later txns through it). The frontier stays about as large as the concurrency.
 *
 * Process: consecutive txns of one process. An indeterminate (info) txn may take effect any time
 * later, so it orders nothing after it; failed txns are not in the graph at all.
 */
import { PO, RT, type GraphBuilder } from './graph.js';
import type { Txn } from './txn.js';

export function addRealtimeEdges(txns: readonly Txn[], graph: GraphBuilder): void {
  // Invocations and ok completions, in history order (an invocation at index i, a completion at j > i).
  const events: Array<{ index: number; txn: number; complete: boolean }> = [];
  for (const t of txns) {
    if (t.outcome === 'fail') continue;
    events.push({ index: t.invokeIndex, txn: t.index, complete: false });
    if (t.outcome === 'ok') events.push({ index: t.completeIndex, txn: t.index, complete: true });
  }
  events.sort((a, b) => a.index - b.index);
  let frontier: number[] = [];
  const predecessors = new Map<number, number[]>();
  for (const e of events) {
    if (!e.complete) {
      for (const f of frontier) graph.add(f, e.txn, RT);
      if (txns[e.txn]!.outcome === 'ok') predecessors.set(e.txn, frontier);
      continue;
    }
    const before = new Set(predecessors.get(e.txn) ?? []);
    predecessors.delete(e.txn);
    frontier = frontier.filter((f) => !before.has(f));
    frontier.push(e.txn);
  }
}

export function addProcessEdges(txns: readonly Txn[], graph: GraphBuilder): void {
  const last = new Map<number, Txn>();
  const ordered = txns.filter((t) => t.outcome !== 'fail').sort((a, b) => a.invokeIndex - b.invokeIndex);
  for (const t of ordered) {
    const previous = last.get(t.process);
    if (previous !== undefined && previous.outcome === 'ok') graph.add(previous.index, t.index, PO);
    last.set(t.process, t);
  }
}
