/**
 * What leader-based protocols (Raft, Multi-Paxos) share in their configuration spaces: the
 * election timeout ranges fuzzing draws, and what their timeouts and leases assume of the network
 * and the clocks.
 */

/** Election timeout ranges: the default, a narrow one (contested elections), a slow one. */
export const ELECTION_TIMEOUTS = [
  { min: '150ms', max: '300ms' },
  { min: '300ms', max: '310ms' },
  { min: '300ms', max: '900ms' },
] as const;

export interface TimingOptions {
  readonly electionTimeoutMinUs: number;
  readonly electionTimeoutMaxUs: number;
  readonly heartbeatUs: number;
}

/**
 * Whether elections settle promptly, and the longest message delay the timeouts allow for. The
 * random spread of election timeouts must be well above a message delay, or candidates that time
 * out together split the vote round after round: a spread narrower than a heartbeat period is
 * there to make elections contested (safety under split votes), not to elect a leader promptly.
 * Messages must arrive well within an election timeout, and within the spread.
 */
export function electionTiming(o: TimingOptions): { readonly electsPromptly: boolean; readonly maxDelayUs: number } {
  const spreadUs = o.electionTimeoutMaxUs - o.electionTimeoutMinUs;
  return { electsPromptly: spreadUs >= o.heartbeatUs, maxDelayUs: Math.min(o.electionTimeoutMinUs - o.heartbeatUs, Math.floor(spreadUs / 2)) };
}

/**
 * What a read lease assumes of clocks: drift up to maxClockDrift (the lease shrinks by it) and
 * jumps below the margin; two clocks may jump in opposite directions, hence half.
 */
export function leaseClock(o: { readonly maxClockDrift: number; readonly leaseMarginUs: number }): { readonly maxDrift: number; readonly maxJumpUs: number } {
  return { maxDrift: o.maxClockDrift, maxJumpUs: Math.floor(o.leaseMarginUs / 2) };
}
