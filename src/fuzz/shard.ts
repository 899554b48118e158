/**
 * Splitting the seed space. Run i of a campaign has seed runSeedOf(campaignSeed, i); shard k of n
 * takes the indexes i with i % n === k - 1, so n machines with the same campaign seed and run
 * count cover every run exactly once, with no overlap and no coordination.
 */

export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export const WHOLE: Shard = { index: 1, count: 1 };

/** Parses `2/4`. Returns an error message for anything else. */
export function parseShard(text: string): Shard | string {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (match === null) return `expected a shard as i/n (e.g. 2/4), got ${JSON.stringify(text)}`;
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) return `expected 1 <= i <= n in --shard i/n, got ${text}`;
  return { index, count };
}

/** The k-th run index (k = 0, 1, ...) this shard owns. */
export function runIndexOf(shard: Shard, k: number): number {
  return shard.index - 1 + k * shard.count;
}

/** How many of the runs 0..total-1 this shard owns. */
export function runsInShard(shard: Shard, total: number): number {
  const first = shard.index - 1;
  return first >= total ? 0 : Math.floor((total - 1 - first) / shard.count) + 1;
}
