/** G-Set: a grow-only set; merge is union. Elements are plain values, kept sorted and unique. */
import { sortedUnique } from './canonical.js';

export type GSet<T = unknown> = readonly T[];

export const EMPTY_GSET: GSet<never> = [];

export function gsetAdd<T>(set: GSet<T>, element: T): GSet<T> {
  return sortedUnique([...set, element]);
}

export function gsetMerge<T>(a: GSet<T>, b: GSet<T>): GSet<T> {
  return sortedUnique([...a, ...b]);
}
