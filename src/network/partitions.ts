/**
 * Partitions as data. Each resolves to the set of directed node pairs it blocks; the network keeps a
 * count per directed link so overlapping partitions compose and heal independently.
 */

/** Node indexes (0-based) of the simulated cluster. */
export type PartitionSpec =
  /** Symmetric: nodes in different groups cannot talk. Nodes in no group form one more group. */
  | { readonly kind: 'split'; readonly groups: readonly (readonly number[])[] }
  /** One-way: messages from `from` to `to` are lost; the reverse direction still works. */
  | { readonly kind: 'one-way'; readonly from: readonly number[]; readonly to: readonly number[] }
  /** One node cut off from every other node (symmetric). */
  | { readonly kind: 'isolate'; readonly node: number }
  /**
   * Non-transitive: `left` and `right` cannot talk to each other, but both still reach `bridge`
   * (A-B and B-C up, A-C down).
   */
  | { readonly kind: 'bridge'; readonly bridge: number; readonly left: readonly number[]; readonly right: readonly number[] };

/** Directed pairs [from, to] that the partition blocks, among `nodeCount` nodes. */
export function blockedPairs(spec: PartitionSpec, nodeCount: number): Array<[number, number]> {
  const pairs: Array<[number, number]> = [];
  const both = (a: readonly number[], b: readonly number[]): void => {
    for (const x of a) for (const y of b) if (x !== y) pairs.push([x, y], [y, x]);
  };
  switch (spec.kind) {
    case 'split': {
      const listed = new Set(spec.groups.flat());
      const rest = range(nodeCount).filter((i) => !listed.has(i));
      const groups = rest.length > 0 ? [...spec.groups, rest] : spec.groups;
      for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) both(groups[i]!, groups[j]!);
      break;
    }
    case 'one-way':
      for (const x of spec.from) for (const y of spec.to) if (x !== y) pairs.push([x, y]);
      break;
    case 'isolate':
      both([spec.node], range(nodeCount).filter((i) => i !== spec.node));
      break;
    case 'bridge':
      both(spec.left, spec.right);
      break;
  }
  return dedupe(pairs);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function dedupe(pairs: Array<[number, number]>): Array<[number, number]> {
  const seen = new Set<string>();
  return pairs.filter(([a, b]) => {
    const key = `${a}>${b}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A short human description, with node names supplied by the caller. */
export function describePartition(spec: PartitionSpec, name: (index: number) => string): string {
  const list = (xs: readonly number[]): string => xs.map(name).join(',');
  switch (spec.kind) {
    case 'split':
      return `split ${spec.groups.map((g) => `{${list(g)}}`).join(' | ')}`;
    case 'one-way':
      return `one-way {${list(spec.from)}} -/-> {${list(spec.to)}}`;
    case 'isolate':
      return `isolate ${name(spec.node)}`;
    case 'bridge':
      return `bridge {${list(spec.left)}} - ${name(spec.bridge)} - {${list(spec.right)}}`;
  }
}
