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
import { latencyMeanUs, type LatencySpec } from '../network/latency.js';

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

/** What `estimateEvents` needs: the workload, the cluster's size and the network's latency. */
export interface EstimateWithNodes extends EstimateInput {
  readonly nodes: number;
  readonly network: { readonly latency: LatencySpec };
}

export interface EventEstimate {
  /** About how many events the run takes (not a bound: protocols batch, shed and gossip differently). */
  readonly events: number;
  readonly basis: string;
}

/** One-way network delays in a replicated op: client to leader, leader to the others and back, the reply. */
const HOPS_PER_OP = 4;

/**
 * A rough estimate of an open-loop run's events, to warn before a long run that it will probably
 * end at its budget. Every arrival is an event; a client has one op in flight, so the clients issue
 * at most one op per op latency (HOPS_PER_OP mean network delays) each and the other arrivals are
 * shed; an issued op takes a request, a reply, and a message to each other node and its answer
 * (leader-based replication touches every node). A 64-node Raft cluster at 1,000 ops/s for 10 s with
 * 16 clients estimates 1,026,000 events and took 1,393,885 (heartbeats are not counted). Closed
 * loops depend on latencies the scenario does not pin down: no estimate.
 */
export function estimateEvents(s: EstimateWithNodes): EventEstimate | undefined {
  const w = s.workload;
  if (w.ratePerSecond === undefined) return undefined;
  const arrivals = (Math.min(w.ratePerSecond, MAX_ARRIVALS_PER_SECOND) * w.untilUs) / 1e6;
  const opUs = Math.max(1, HOPS_PER_OP * latencyMeanUs(s.network.latency) + w.thinkUs);
  const issued = Math.min(arrivals, (w.clients * w.untilUs) / opUs);
  const others = Math.max(0, s.nodes - 1);
  const shed = issued < arrivals ? `; ${count(w.clients)} ${w.clients === 1 ? 'client issues' : 'clients issue'} about ${count(Math.round(issued))} of them, one op per ${formatUs(Math.round(opUs))} each` : '';
  return {
    events: arrivals - issued + issued * (2 + 2 * others),
    basis: `${count(w.ratePerSecond)} ops/s for ${formatUs(w.untilUs)}${shed}; each op a request, a reply, and a message to each of the other ${count(others)} ${others === 1 ? 'node' : 'nodes'} and its answer`,
  };
}
