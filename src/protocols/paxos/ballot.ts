/**
 * Ballots `(round, node)` as one integer: round * BALLOT_NODES + node index + 1, so ballots of
 * different nodes never tie and comparing two is a number comparison. 0 is "no ballot".
 */
import type { NodeId } from '../../core/ids.js';

/** More than the most nodes a scenario may have (64). */
const BALLOT_NODES = 128;

export type Ballot = number;

export const NO_BALLOT: Ballot = 0;

export function ballotOf(round: number, nodeIndex: number): Ballot {
  return round * BALLOT_NODES + nodeIndex + 1;
}

export function roundOf(ballot: Ballot): number {
  return Math.floor(ballot / BALLOT_NODES);
}

/** `round.node` for humans, e.g. `3.n2`; `0` for no ballot. */
export function formatBallot(ballot: Ballot, members: readonly NodeId[]): string {
  if (ballot === NO_BALLOT) return '0';
  const index = (ballot % BALLOT_NODES) - 1;
  return `${roundOf(ballot)}.${members[index] ?? `#${index}`}`;
}
