/**
 * Message delay distributions, all in integer microseconds (at least 1µs: a message never arrives
 * in the same instant it leaves, which keeps causality visible in the trace).
 */
import type { Rng } from '../rng/index.js';

export type LatencySpec =
  | { readonly dist: 'constant'; readonly valueUs: number }
  | { readonly dist: 'uniform'; readonly minUs: number; readonly maxUs: number }
  /** min + an exponential with the given mean of the excess: the common "mostly fast" shape. */
  | { readonly dist: 'exponential'; readonly meanUs: number; readonly minUs: number }
  /** A long-tail mix: usually `base`, with probability `tailProbability` drawn from `tail`. */
  | { readonly dist: 'long-tail'; readonly base: LatencySpec; readonly tail: LatencySpec; readonly tailProbability: number };

export type LatencySampler = (rng: Rng) => number;

export function latencySampler(spec: LatencySpec): LatencySampler {
  switch (spec.dist) {
    case 'constant': {
      const value = Math.max(1, Math.round(spec.valueUs));
      return () => value;
    }
    case 'uniform': {
      const lo = Math.max(1, Math.round(spec.minUs));
      const hi = Math.max(lo, Math.round(spec.maxUs));
      return (rng) => rng.intBetween(lo, hi);
    }
    case 'exponential': {
      const min = Math.max(1, Math.round(spec.minUs));
      const excess = Math.max(0, spec.meanUs - spec.minUs);
      return (rng) => min + Math.round(rng.exponential(excess));
    }
    case 'long-tail': {
      const base = latencySampler(spec.base);
      const tail = latencySampler(spec.tail);
      const p = spec.tailProbability;
      return (rng) => (rng.next() < p ? tail(rng) : base(rng));
    }
  }
}

/** The mean of a distribution, for summaries and for choosing sensible timeouts. */
export function latencyMeanUs(spec: LatencySpec): number {
  switch (spec.dist) {
    case 'constant':
      return spec.valueUs;
    case 'uniform':
      return (spec.minUs + spec.maxUs) / 2;
    case 'exponential':
      return Math.max(spec.meanUs, spec.minUs);
    case 'long-tail':
      return (1 - spec.tailProbability) * latencyMeanUs(spec.base) + spec.tailProbability * latencyMeanUs(spec.tail);
  }
}
