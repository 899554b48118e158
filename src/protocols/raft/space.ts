/**
 * Raft's configuration space (what `dsim fuzz` draws), the properties each configuration promises,
 * and the operator actions it accepts. The first value of each dimension is the default.
 */
import type { ConfigurationSpace, OperatorAction, Promises, PromiseQuery } from '../../core/protocol.js';
import { ELECTION_TIMEOUTS, electionTiming, leaseClock } from '../common/election-timing.js';
import type { RaftOptions } from './options.js';

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'reads', values: ['read-index', 'log', 'lease'] },
    { name: 'noopOnElection', values: [true, false] },
    { name: 'checkQuorum', values: [true, false] },
    { name: 'preVote', values: [true, false] },
    { name: 'snapshotEvery', values: [100, 0, 4, 25], description: 'small intervals exercise InstallSnapshot' },
    { name: 'electionTimeout', values: ELECTION_TIMEOUTS },
    { name: 'heartbeatUs', values: ['50ms', '20ms'] },
    { name: 'maxEntriesPerAppend', values: [64, 1, 8] },
    { name: 'maxClockDrift', values: [0.01, 0.1, 0.5, 0.8], description: 'lease reads only' },
    { name: 'leaseMarginUs', values: ['0ms', '20ms'], description: 'lease reads only' },
  ],
  options(choice) {
    const timeout = choice['electionTimeout'] as (typeof ELECTION_TIMEOUTS)[number];
    const lease = choice['reads'] === 'lease';
    return {
      reads: choice['reads'],
      noopOnElection: choice['noopOnElection'],
      checkQuorum: choice['checkQuorum'],
      preVote: choice['preVote'],
      snapshotEvery: choice['snapshotEvery'],
      electionTimeoutMinUs: timeout.min,
      electionTimeoutMaxUs: timeout.max,
      heartbeatUs: choice['heartbeatUs'],
      maxEntriesPerAppend: choice['maxEntriesPerAppend'],
      ...(lease ? { maxClockDrift: choice['maxClockDrift'], leaseMarginUs: choice['leaseMarginUs'] } : {}),
    };
  },
};

export function promises({ options, model, healed, commands }: PromiseQuery<RaftOptions>): Promises {
  const checks = ['invariants', 'linearizable'];
  // Durability is judged from the final reads, which only a heal phase has. A counter's final
  // value must count every acknowledged add and no add twice (however often it was resent).
  if (healed) checks.push(model === 'counter' ? 'exactly-once' : 'durable');
  // Without a no-op on election, a new leader commits nothing of its own term until a client
  // writes, and until then it can neither advance the commit index past its predecessor's entries
  // nor serve a ReadIndex or lease read. The final reads are reads only: they wait for a write that
  // never comes, so liveness and convergence are not promised unless reads go through the log
  // (a read entry is an entry of the leader's term). Durability stays promised; it is judged when
  // a final read completes.
  const progressWithoutWrites = options.noopOnElection || options.reads === 'log';
  // A removed server that never learned of its removal times out and campaigns with ever higher
  // terms, deposing every leader (thesis §4.2.3). PreVote (its log is behind, so it wins no
  // pre-vote) or leader stickiness (with CheckQuorum) keeps it out; without either, membership
  // changes cost liveness.
  const disruptedByRemovedServers = commands.includes('remove-server') && !options.preVote && !options.checkQuorum;
  // Raft's timing requirement (see electionTiming): a narrow spread contests elections.
  const { electsPromptly, maxDelayUs } = electionTiming(options);
  if (healed && progressWithoutWrites && !disruptedByRemovedServers && electsPromptly) checks.push('voters-converged', 'liveness');
  return {
    checks,
    // Client sessions (common/kv-machine.ts): a resent command takes effect once.
    exactlyOnce: true,
    // The final phase then opens with a write, so the final reads can be served and judged.
    ...(progressWithoutWrites ? {} : { readsWaitForWrite: true }),
    assumes: {
      ...(electsPromptly ? { maxDelayUs } : {}),
      ...(options.reads === 'lease' ? { clock: leaseClock(options) } : {}),
    },
  };
}

export function operatorActions(): readonly OperatorAction[] {
  return [
    {
      name: 'transfer-leadership',
      description: 'the leader hands over to a voter (the most up to date one, or a chosen one)',
      steps: (choose, cluster) => {
        const to = choose.pick<string | null>([null, ...cluster.nodes]);
        return [{ command: 'transfer-leadership', target: 'leader', args: to === null ? {} : { to } }];
      },
    },
    {
      name: 'add-server',
      description: 'start a spare and add it to the configuration',
      spares: 2,
      steps: (choose, cluster) => {
        const node = choose.pick(cluster.spares);
        return [{ start: node }, { command: 'add-server', target: 'leader', args: { node } }];
      },
    },
    {
      name: 'remove-server',
      description: 'remove a server from the configuration, and add it back later',
      steps: (choose, cluster) => {
        const node = choose.pick(cluster.nodes);
        const backAfterMs = choose.pick([300, 100, 1000]);
        return [
          { command: 'remove-server', target: 'leader', args: { node } },
          { afterMs: backAfterMs, command: 'add-server', target: 'leader', args: { node } },
        ];
      },
    },
    {
      name: 'replace-server',
      description: 'start a spare, add it, then remove a server it replaces',
      spares: 2,
      steps: (choose, cluster) => {
        const spare = choose.pick(cluster.spares);
        const old = choose.pick(cluster.nodes);
        const gapMs = choose.pick([200, 50, 800]);
        return [
          { start: spare },
          { command: 'add-server', target: 'leader', args: { node: spare } },
          { afterMs: gapMs, command: 'remove-server', target: 'leader', args: { node: old } },
        ];
      },
    },
  ];
}
