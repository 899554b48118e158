/** A node's id: `n1`, `n2`, ... for nodes; clients are `c1`, `c2`, ... */
export type NodeId = string;

/** The conventional id of the i-th node (1-based). */
export function nodeId(index1: number): NodeId {
  return `n${index1}`;
}
