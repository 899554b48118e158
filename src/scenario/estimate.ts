/**
 * How many events a scenario's workload takes at the least, before it runs. A valid three-line
 * scenario can ask for a year of virtual time or ten million ops a second: the event budget stops
 * it eventually, but only after the machine spent many minutes (and gigabytes) on it. The workload
 * alone gives a lower bound, whatever the protocol does: every open-loop arrival is an event (at
 * most one a microsecond: arrivals are whole microseconds apart), and a closed-loop client's op
 * ends by its timeout at the latest, with at least one event (the reply or the timeout). A
 * scenario whose lower bound exceeds its event budget cannot finish: it is refused when loaded.
 */

import { formatUs } from '../core/time.js';

/** What `workloadEventsAtLeast` needs of a resolved scenario. */
export interface EstimateInput {
  readonly workload: { readonly clients: number; readonly ratePerSecond?: number; readonly thinkUs: number; readonly timeoutUs: number; readonly untilUs: number };
}

export interface EventLowerBound {
  /** Events the workload cannot do without, whatever the protocol. */
  readonly events: number;
  /** The arithmetic, for messages: "10,000,000 ops/s (at most one arrival a microsecond) for 10s". */
  readonly basis: string;
}

/** Open-loop arrivals are whole microseconds apart. */
const MAX_ARRIVALS_PER_SECOND = 1_000_000;

export function workloadEventsAtLeast(s: EstimateInput): EventLowerBound {
  const w = s.workload;
  const seconds = w.untilUs / 1e6;
  if (w.ratePerSecond !== undefined) {
    const rate = Math.min(w.ratePerSecond, MAX_ARRIVALS_PER_SECOND);
    // Half the mean: the exponential gaps' rounding and spread never halve the arrivals of a long run.
    const capped = w.ratePerSecond > MAX_ARRIVALS_PER_SECOND ? ' (at most one arrival a microsecond)' : '';
    return { events: (rate * seconds) / 2, basis: `half of ${count(w.ratePerSecond)} ops/s${capped} for ${formatUs(w.untilUs)} of workload` };
  }
  // Closed loop: a client's op ends by its timeout at the latest, then the client thinks and goes on.
  const opsPerClient = Math.floor(w.untilUs / Math.max(1, w.timeoutUs + w.thinkUs));
  return {
    events: w.clients * opsPerClient,
    basis: `${count(w.clients)} closed-loop ${w.clients === 1 ? 'client' : 'clients'} for ${formatUs(w.untilUs)} of workload, each op ending by its ${formatUs(w.timeoutUs)} timeout${w.thinkUs > 0 ? ` plus ${formatUs(w.thinkUs)} of think time` : ''}`,
  };
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
