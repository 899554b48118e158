/**
 * The exact schedule of Figure 8 of the Raft paper, driven step by step on a bare Simulation
 * (the fault language cannot name "whoever won the last election, but only if it was S5"):
 *
 * (a) S1 leads and appends an entry at index i that reaches only S2.
 * (b) S1 crashes; S5 is elected (leadership transfer makes sure it is S5) and appends a different
 *     entry at index i, on itself alone, then crashes.
 * (c) S1 restarts and is elected again; it replicates its old-term entry i to S3: it is now on a
 *     majority (S1, S2, S3).
 * (d) S1 crashes (and S2 with it). S5 restarts; its last entry has a higher term than anyone's,
 *     so S3 and S4 elect it, and it would overwrite entry i everywhere.
 *
 * Correct Raft never counts (c) as a commit (entry i is of an old term), and its no-op of the
 * new term reaches S3 too, so S5 cannot win (d). With the flaw `commit-previous-term` entry i is
 * "committed" in (c) and S5's election breaks leader completeness.
 */
import { awaitLeader, cluster, type Cluster } from './cluster.js';
import { lastIndex } from '../../../src/protocols/raft/log.js';

export interface Figure8Outcome {
  readonly c: Cluster;
  /** Whether S1 counted entry i as committed in step (c). */
  readonly committedOldEntry: boolean;
  readonly finalLeader: string | undefined;
}

export function runFigure8(seed: number, flaws: string[] = []): Figure8Outcome {
  const c = cluster({ nodes: 5, seed, flaws, options: { snapshotEvery: 0 } });
  const [s1, s2, s3, s4, s5] = ['n1', 'n2', 'n3', 'n4', 'n5'] as const;
  // Start with S1 leading and one committed write everywhere.
  const leader = awaitLeader(c);
  if (leader !== s1) {
    c.sim.command(leader, { name: 'transfer-leadership', args: { to: s1 } });
    awaitLeader(c, 3_000_000, [s1]);
  }
  const first = c.request(s1, { f: 'write', key: 'x', value: 1 });
  c.until(() => c.replies.has(first) && c.ids.every((id) => c.state(id)!.commitIndex >= c.state(s1)!.commitIndex), 2_000_000);

  // (a) S1 appends entry i, which reaches S2 only.
  const cutA = c.split([[s1, s2], [s3, s4, s5]]);
  c.request(s1, { f: 'write', key: 'x', value: 2 });
  const i = lastIndex(c.state(s1)!.log) + 1;
  c.until(() => lastIndex(c.state(s2)!.log) >= i, 200_000);

  // (b) S1 crashes; S5 wins among S3, S4, S5, appends a different entry i alone, crashes.
  c.sim.crash(s1);
  c.heal(cutA);
  const cutB = c.isolate(s2);
  const l2 = awaitLeader(c, 3_000_000, [s3, s4, s5]);
  if (l2 !== s5) {
    c.sim.command(l2, { name: 'transfer-leadership', args: { to: s5 } });
    awaitLeader(c, 3_000_000, [s5]);
  }
  const cutC = c.isolate(s5);
  c.request(s5, { f: 'write', key: 'x', value: 3 });
  c.runFor(5_000);
  c.sim.crash(s5);
  c.heal(cutB);
  c.heal(cutC);

  // (c) S1 restarts and is elected; it brings S3 up to date (entry i now on S1, S2, S3).
  const cutD = c.isolate(s4);
  c.sim.restart(s1);
  // Correct Raft may not get here as the figure says (the no-op of step (b) reached S3 and S4):
  // whoever leads, the schedule goes on and the invariants judge.
  c.until(() => c.leaders().length > 0, 3_000_000);
  c.until(() => lastIndex(c.state(s3)!.log) >= i, 1_000_000);
  const committedOldEntry = c.until(() => c.leaders().some((l) => c.state(l)!.commitIndex >= i), 300_000);

  // (d) S1 and S2 crash; S5 restarts and campaigns among S3, S4, S5.
  for (const id of c.leaders()) c.sim.crash(id);
  if (c.sim.nodeStatus(s2) === 'up') c.sim.crash(s2);
  if (c.sim.nodeStatus(s1) === 'up') c.sim.crash(s1);
  c.heal(cutD);
  c.sim.restart(s5);
  c.until(() => c.leaders().length > 0, 3_000_000);
  return { c, committedOldEntry, finalLeader: c.leaders()[0] };
}
