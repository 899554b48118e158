/**
 * Helpers for incremental invariants: visit only the node whose step just ended when the kernel
 * says which one (`ClusterView.changed`), else every node.
 */
import type { ClusterView, NodeView } from '../../core/protocol.js';
import type { NodeId } from '../../core/ids.js';

export type Visit<S> = (index: number, id: NodeId, state: S) => string | undefined;

/** Visits the nodes whose state may have changed since the last check; stops at the first message. */
export function eachChanged<S>(cluster: ClusterView<S>, visit: Visit<S>): string | undefined {
  const changed = cluster.changed;
  const index = cluster.changedIndex;
  if (changed !== undefined && index !== undefined) return changed.state === undefined ? undefined : visit(index, changed.id, changed.state);
  return eachNode(cluster, visit);
}

/** Visits every node that has a state; stops at the first message. */
export function eachNode<S>(cluster: ClusterView<S>, visit: Visit<S>): string | undefined {
  const nodes = cluster.nodes as readonly NodeView<S>[];
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]!;
    if (n.state === undefined) continue;
    const message = visit(i, n.id, n.state);
    if (message !== undefined) return message;
  }
  return undefined;
}
