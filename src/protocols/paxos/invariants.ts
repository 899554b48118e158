/**
 * Multi-Paxos's safety properties, checked by the kernel after every step. Nodes record what each
 * step did in `state.trail` (votes, values a proposer put in a slot, values learned, applied
 * digests); the trail is cleared when the next step starts, so a monitor reads exactly one step's
 * worth, and only for the node that stepped. Everything a property must remember lives in the
 * monitor, across crashes and restarts.
 */
import type { NodeId } from '../../core/ids.js';
import type { Invariant } from '../../core/protocol.js';
import { eachChanged, type Visit } from '../common/monitor.js';
import { formatBallot } from './ballot.js';
import type { PaxosState, Value } from './types.js';

export function describeValue(value: Value): string {
  if (value.kind === 'noop') return 'a no-op';
  const { client, seq, op } = value.command;
  return `${op.f}${op.key !== undefined ? ` ${op.key}` : ''} ${JSON.stringify(op.value)} (${client}#${seq})`;
}

interface Chosen {
  readonly value: Value;
  readonly ballot: number;
  readonly voters: readonly NodeId[];
}

/**
 * Which values are chosen, from the votes: a value is chosen at a slot once a phase-2 quorum voted
 * for it in one ballot. `observe` reads one node's new votes; a slot that becomes chosen is passed
 * to `onChosen`. Returns a message when a ballot carried two values for a slot, or a slot is
 * chosen with two values.
 */
class ChosenTracker {
  private readonly votes = new Map<number, Map<number, { value: Value; voters: NodeId[] }>>();
  readonly chosen = new Map<number, Chosen>();

  observe(id: NodeId, state: PaxosState, onChosen?: (slot: number, chosen: Chosen) => string | undefined): string | undefined {
    for (const { slot, ballot, value } of state.trail.accepts) {
      let byBallot = this.votes.get(slot);
      if (byBallot === undefined) this.votes.set(slot, (byBallot = new Map()));
      let record = byBallot.get(ballot);
      if (record === undefined) byBallot.set(ballot, (record = { value, voters: [] }));
      else if (record.value.hash !== value.hash) {
        return `ballot ${formatBallot(ballot, state.members)} carried two values for slot ${slot}: ${describeValue(record.value)} and ${describeValue(value)}`;
      }
      if (record.voters.includes(id)) continue;
      record.voters.push(id);
      if (record.voters.length !== state.quorums.phase2) continue;
      const known = this.chosen.get(slot);
      if (known === undefined) {
        const chosen = { value, ballot, voters: [...record.voters] };
        this.chosen.set(slot, chosen);
        const message = onChosen?.(slot, chosen);
        if (message !== undefined) return message;
      } else if (known.value.hash !== value.hash) {
        return (
          `slot ${slot} was chosen twice: ${describeValue(known.value)} in ballot ${formatBallot(known.ballot, state.members)} (voters ${known.voters.join(', ')}), ` +
          `then ${describeValue(value)} in ballot ${formatBallot(ballot, state.members)} (voters ${record.voters.join(', ')})`
        );
      }
    }
    return undefined;
  }
}

/** Never two different values chosen for a slot; a learner learns only the chosen value. */
const agreement: Invariant<PaxosState> = {
  name: 'agreement',
  description: 'no slot is ever chosen with two different values (a phase-2 quorum voting in one ballot chooses), and every learned value is the chosen one',
  monitor() {
    const tracker = new ChosenTracker();
    const visit: Visit<PaxosState> = (_i, id, state) => {
      const message = tracker.observe(id, state);
      if (message !== undefined) return message;
      const learned = state.trail.learned;
      for (let k = 0; k < learned.length; k += 2) {
        const slot = learned[k]!;
        const chosen = tracker.chosen.get(slot);
        if (chosen === undefined) return `${id} learned slot ${slot}, where no value has been chosen`;
        if (chosen.value.hash !== learned[k + 1]) return `${id} learned a value for slot ${slot} other than the chosen ${describeValue(chosen.value)}`;
      }
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/** Only a value some proposer put in a slot can be chosen there. */
const validity: Invariant<PaxosState> = {
  name: 'validity',
  description: 'only a value proposed for a slot (a client command or a no-op a proposer put there) is chosen there',
  monitor() {
    const tracker = new ChosenTracker();
    const introduced = new Map<number, Set<number>>();
    const visit: Visit<PaxosState> = (_i, id, state) => {
      const fresh = state.trail.introduced;
      for (let k = 0; k < fresh.length; k += 2) {
        let hashes = introduced.get(fresh[k]!);
        if (hashes === undefined) introduced.set(fresh[k]!, (hashes = new Set()));
        hashes.add(fresh[k + 1]!);
      }
      return tracker.observe(id, state, (slot, chosen) =>
        introduced.get(slot)?.has(chosen.value.hash) === true ? undefined : `slot ${slot} chose ${describeValue(chosen.value)}, which no proposer proposed there`,
      );
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/** An acceptor's promise never goes back, and it never votes below it, across restarts too. */
const promiseMonotonicity: Invariant<PaxosState> = {
  name: 'promise-monotonicity',
  description: "an acceptor's promise never decreases, even across a restart, and it never accepts below a ballot it promised",
  monitor() {
    const maxPromised: number[] = [];
    const stateOf: Array<PaxosState | undefined> = [];
    const visit: Visit<PaxosState> = (i, id, state) => {
      const before = maxPromised[i] ?? 0;
      const restarted = stateOf[i] !== undefined && stateOf[i] !== state;
      stateOf[i] = state;
      for (const { slot, ballot } of state.trail.accepts) {
        if (ballot < before) return `${id} accepted slot ${slot} in ballot ${formatBallot(ballot, state.members)}, below the ballot ${formatBallot(before, state.members)} it had promised`;
      }
      if (state.promised < before) {
        return `${id}'s promise went back from ${formatBallot(before, state.members)} to ${formatBallot(state.promised, state.members)}${restarted ? ' across a restart' : ''}: it may now accept ballots it promised to refuse`;
      }
      maxPromised[i] = state.promised;
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

/** Every node applies the same value at each slot: applied sequences are prefixes of one another. */
const learnerSafety: Invariant<PaxosState> = {
  name: 'learner-safety',
  description: "every node's applied sequence is a prefix of the longest one",
  monitor() {
    const digestAt: Array<{ digest: number; node: NodeId } | undefined> = [];
    const visit: Visit<PaxosState> = (_i, id, state) => {
      const applied = state.trail.applied;
      for (let k = 0; k < applied.length; k += 2) {
        const slot = applied[k]!;
        const digest = applied[k + 1]!;
        const known = digestAt[slot];
        if (known === undefined) digestAt[slot] = { digest, node: id };
        else if (known.digest !== digest) return `${known.node} and ${id} applied different sequences through slot ${slot}`;
      }
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

export const paxosInvariants: readonly Invariant<PaxosState>[] = [agreement, validity, promiseMonotonicity, learnerSafety];
