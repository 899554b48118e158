/**
 * CASPaxos's safety properties, checked after every step. A value is chosen for a key when a
 * quorum voted for it in one ballot. Each register value carries its version (changes applied) and
 * a digest of those changes, so "derived from" is checkable: a value chosen in a higher ballot
 * must have at least the version of every value chosen in a lower one, and two chosen values of
 * one version must be the same value (else a change was lost and history forked). Nodes record each
 * step's votes, computed values and answers in `state.trail`, cleared when the next step starts.
 */
import type { NodeId } from '../../core/ids.js';
import type { Invariant } from '../../core/protocol.js';
import { eachChanged, type Visit } from '../common/monitor.js';
import { formatBallot } from '../paxos/ballot.js';
import type { CasState, Versioned } from './types.js';

function show(key: string, value: Versioned): string {
  return `${key === '' ? 'the register' : `key ${key}`} = ${JSON.stringify(value.data)} (version ${value.version})`;
}

interface Chosen {
  readonly ballot: number;
  readonly value: Versioned;
}

/** Chosen values per key, from the votes. `observe` returns a message on a conflict between chosen values. */
class ChosenTracker {
  private readonly votes = new Map<string, { value: Versioned; voters: NodeId[] }>();
  readonly chosen = new Map<string, Chosen[]>();

  observe(id: NodeId, state: CasState, onChosen?: (key: string, chosen: Chosen) => string | undefined): string | undefined {
    for (const { key, ballot, value } of state.trail.accepts) {
      const slot = `${key}\u0000${ballot}`;
      let record = this.votes.get(slot);
      if (record === undefined) this.votes.set(slot, (record = { value, voters: [] }));
      else if (record.value.digest !== value.digest || record.value.version !== value.version) {
        return `ballot ${formatBallot(ballot, state.members)} carried two values for ${key === '' ? 'the register' : `key ${key}`}`;
      }
      if (record.voters.includes(id)) continue;
      record.voters.push(id);
      if (record.voters.length !== state.quorum) continue;
      const chosen = { ballot, value };
      const earlier = this.chosen.get(key) ?? [];
      for (const c of earlier) {
        const [low, high] = c.ballot < ballot ? [c, chosen] : [chosen, c];
        const lost = high.value.version < low.value.version || (high.value.version === low.value.version && high.value.digest !== low.value.digest);
        if (lost) {
          return (
            `${show(key, high.value)} chosen in ballot ${formatBallot(high.ballot, state.members)} does not follow from ` +
            `${show(key, low.value)} chosen in ballot ${formatBallot(low.ballot, state.members)}: a chosen change was lost`
          );
        }
      }
      earlier.push(chosen);
      this.chosen.set(key, earlier);
      const message = onChosen?.(key, chosen);
      if (message !== undefined) return message;
    }
    return undefined;
  }

  /** Whether `value` is chosen for `key` (the initial value, before any change, always is). */
  isChosen(key: string, value: Versioned): boolean {
    return value.version === 0 || (this.chosen.get(key) ?? []).some((c) => c.value.version === value.version && c.value.digest === value.digest);
  }
}

const agreement: Invariant<CasState> = {
  name: 'agreement',
  description: 'every value chosen for a key follows from every value chosen for it in a lower ballot (no chosen change is ever lost)',
  monitor() {
    const tracker = new ChosenTracker();
    const visit: Visit<CasState> = (_i, id, state) => tracker.observe(id, state);
    return (cluster) => eachChanged(cluster, visit);
  },
};

const validity: Invariant<CasState> = {
  name: 'validity',
  description: "only a value some proposer computed (a client's change applied to a promised value) is chosen",
  monitor() {
    const tracker = new ChosenTracker();
    const introduced = new Set<string>();
    const visit: Visit<CasState> = (_i, id, state) => {
      for (const { key, value } of state.trail.introduced) introduced.add(`${key}\u0000${value.version}\u0000${value.digest}`);
      return tracker.observe(id, state, (key, chosen) =>
        chosen.value.version === 0 || introduced.has(`${key}\u0000${chosen.value.version}\u0000${chosen.value.digest}`) ? undefined : `${show(key, chosen.value)} was chosen but no proposer computed it`,
      );
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

const promiseMonotonicity: Invariant<CasState> = {
  name: 'promise-monotonicity',
  description: "an acceptor's promise for a key never decreases, even across a restart, and it never accepts below a ballot it promised",
  monitor() {
    const maxPromised: Array<Map<string, number>> = [];
    const stateOf: Array<CasState | undefined> = [];
    const visit: Visit<CasState> = (i, id, state) => {
      const seen = (maxPromised[i] ??= new Map());
      const restarted = stateOf[i] !== undefined && stateOf[i] !== state;
      stateOf[i] = state;
      for (const { key, ballot } of state.trail.accepts) {
        const before = seen.get(key) ?? 0;
        if (ballot < before) return `${id} accepted ${key === '' ? 'the register' : `key ${key}`} in ballot ${formatBallot(ballot, state.members)}, below the ballot ${formatBallot(before, state.members)} it had promised`;
      }
      // A restart reloads every register: compare them all then; otherwise only those this step touched.
      const keys = restarted ? [...seen.keys()] : state.trail.accepts.map((a) => a.key).concat(state.trail.promised);
      for (const key of keys) {
        const before = seen.get(key) ?? 0;
        const now = state.registers[key]?.promised ?? 0;
        if (now < before) {
          return `${id}'s promise for ${key === '' ? 'the register' : `key ${key}`} went back from ${formatBallot(before, state.members)} to ${formatBallot(now, state.members)}${restarted ? ' across a restart' : ''}`;
        }
        seen.set(key, now);
      }
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

const learnerSafety: Invariant<CasState> = {
  name: 'learner-safety',
  description: 'a proposer answers a client only from a value that is chosen',
  monitor() {
    const tracker = new ChosenTracker();
    const visit: Visit<CasState> = (_i, id, state) => {
      const message = tracker.observe(id, state);
      if (message !== undefined) return message;
      for (const { key, value } of state.trail.learned) {
        if (!tracker.isChosen(key, value)) return `${id} answered from ${show(key, value)}, which is not chosen (a minority holds it)`;
      }
      return undefined;
    };
    return (cluster) => eachChanged(cluster, visit);
  },
};

export const casPaxosInvariants: readonly Invariant<CasState>[] = [agreement, validity, promiseMonotonicity, learnerSafety];
