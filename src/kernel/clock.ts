/**
 * A node's clock as arithmetic on true (virtual) time: anchored at the last change, running at
 * 1 + drift, read in steps of its resolution; the monotonic clock runs at the same rate and never
 * jumps. Pure functions of the clock and the true time now.
 */

export interface Clock {
  anchorTrueUs: number;
  anchorLocalUs: number;
  /** The monotonic clock's reading at anchorTrueUs: it runs at the same rate, but never jumps. */
  anchorMonoUs: number;
  /** Rate error: 0.001 means this clock runs 0.1% fast. */
  drift: number;
  /** Coarse clocks: readings are rounded down to a multiple of this (0: exact), so timestamps tie. */
  resolutionUs: number;
}

/** An exact clock that reads true time. */
export function trueClock(): Clock {
  return { anchorTrueUs: 0, anchorLocalUs: 0, anchorMonoUs: 0, drift: 0, resolutionUs: 0 };
}

/** The clock's reading at true time `nowUs`, rounded down to its resolution. */
export function localTime(c: Clock, nowUs: number): number {
  const exact = exactLocalTime(c, nowUs);
  const resolution = c.resolutionUs;
  return resolution === 0 ? exact : Math.floor(exact / resolution) * resolution;
}

/** The clock's reading before rounding to its resolution (anchors keep full precision). */
export function exactLocalTime(c: Clock, nowUs: number): number {
  if (c.drift === 0) return c.anchorLocalUs + (nowUs - c.anchorTrueUs);
  return Math.floor(c.anchorLocalUs + (nowUs - c.anchorTrueUs) * (1 + c.drift));
}

/** The monotonic clock: the wall clock's rate (drift) without its jumps (offsets) or resolution. */
export function monotonicTime(c: Clock, nowUs: number): number {
  if (c.drift === 0) return c.anchorMonoUs + (nowUs - c.anchorTrueUs);
  return Math.floor(c.anchorMonoUs + (nowUs - c.anchorTrueUs) * (1 + c.drift));
}

/** A timer of `afterUs` on the clock takes afterUs / (1 + drift) of true time. */
export function trueDelay(c: Clock, afterUs: number): number {
  const drift = c.drift;
  const d = drift === 0 ? afterUs : afterUs / (1 + drift);
  return Math.max(0, Math.ceil(d));
}

/** The true time at which the clock reads `localUs`, at its current offset and rate. */
export function trueTimeWhenReads(c: Clock, localUs: number): number {
  return Math.ceil(c.anchorTrueUs + (localUs - c.anchorLocalUs) / (1 + c.drift));
}

/** The true time at which the clock's monotonic twin reads `monoUs`, at its current rate. */
export function trueTimeWhenMonotonicReads(c: Clock, monoUs: number): number {
  return Math.ceil(c.anchorTrueUs + (monoUs - c.anchorMonoUs) / (1 + c.drift));
}
