/** Small explored configurations the exploration tests share. */
import { resolveScenario, type Scenario } from '../../src/scenario/resolve.js';

/** A 3-node Raft whose timers have one deadline each (so symmetric nodes stay symmetric). */
export function raft(flaws: string[], explore: Record<string, unknown>, options: Record<string, unknown> = {}): Scenario {
  return resolveScenario(
    {
      name: 'explore-test',
      protocol: 'raft',
      nodes: 3,
      flaws,
      options: { preVote: false, checkQuorum: false, electionTimeoutMinUs: 150_000, electionTimeoutMaxUs: 150_001, heartbeatUs: 50_000, snapshotEvery: 0, ...options },
      checks: ['election-safety', 'log-matching', 'leader-completeness', 'state-machine-safety', 'linearizable'],
      explore: { clients: [['write x 1']], ...explore },
    },
    '<test>',
  );
}

/** A 3-node Paxos with one crash and two timer firings, time frozen, one write. */
export function paxos(flaws: string[]): Scenario {
  return resolveScenario(
    {
      name: 'explore-paxos',
      protocol: 'paxos',
      nodes: 3,
      flaws,
      options: { checkQuorum: false, backoff: false, electionTimeoutMinUs: 150_000, electionTimeoutMaxUs: 150_001, heartbeatUs: 50_000, snapshotEvery: 0 },
      checks: ['invariants', 'linearizable'],
      explore: { crashes: 1, timeouts: 2, time: 'frozen', clients: [['write x 1']] },
    },
    '<test>',
  );
}

/** The scenario with its recorded choice log set to `choices`. */
export function withChoices(scenario: Scenario, choices: readonly string[]): Scenario {
  const raw = scenario.raw as { explore: object };
  return resolveScenario({ ...(scenario.raw as object), explore: { ...raw.explore, choices } }, '<test>');
}
