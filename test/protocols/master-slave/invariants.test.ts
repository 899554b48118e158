import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../../src/core/protocol.js';
import { confirmedHeld, epochsOnlyGrow, replicaPrefixOfPrimary, singlePrimaryPerEpoch } from '../../../src/protocols/master-slave/invariants.js';
import type { LogEntry, MsState } from '../../../src/protocols/master-slave/types.js';
import { msCluster } from './harness.js';

function node(id: string, partial: Partial<MsState>) {
  const state = { role: 'replica', epoch: 1, primary: 'n1', log: [], verifiedSeq: 0, ...partial } as unknown as MsState;
  return { id, status: 'up' as const, state };
}
const view = (...nodes: ReturnType<typeof node>[]): ClusterView<MsState> => ({ nowUs: 0, nodes });
const entry = (epoch: number, value: number): LogEntry => ({ epoch, key: 'k1', value });

describe('master-slave invariants', () => {
  it('single-primary-per-epoch remembers the past: two primaries of one epoch, even at different times', () => {
    const check = singlePrimaryPerEpoch.monitor();
    expect(check(view(node('n1', { role: 'primary', epoch: 1 }), node('n2', { role: 'primary', epoch: 2 })))).toBeUndefined();
    expect(check(view(node('n1', { role: 'replica', epoch: 2 }), node('n3', { role: 'primary', epoch: 1 })))).toBe('n1 and n3 were both primary in epoch 1');
  });

  it("replica-prefix-of-primary: a replica's confirmed entry must be its primary's", () => {
    const check = replicaPrefixOfPrimary.monitor();
    const primary = node('n1', { role: 'primary', primary: 'n1', log: [entry(1, 1), entry(1, 2)] });
    expect(check(view(primary, node('n2', { log: [entry(1, 1), entry(1, 9)], verifiedSeq: 1 })))).toBeUndefined();
    expect(check(view(primary, node('n2', { log: [entry(1, 1), entry(1, 9)], verifiedSeq: 2 })))).toMatch(/n2 and its primary n1 differ at confirmed seq 2/);
    expect(check(view(primary, node('n2', { log: [entry(1, 1), entry(1, 2), entry(1, 3)], verifiedSeq: 3 })))).toMatch(/holds only 2 entries/);
  });

  it('the pairwise checks judge after a step only the pairs the stepping node is in, as replica or as primary', () => {
    const primary = node('n1', { role: 'primary', primary: 'n1', log: [entry(1, 1), entry(1, 2)], matchSeq: { n2: 2 }, appliedSeq: 2 });
    const bad = node('n2', { log: [entry(1, 1), entry(1, 9)], verifiedSeq: 2, appliedSeq: 2 });
    const other = node('n3', { role: 'replica', primary: 'n9', log: [], verifiedSeq: 0, appliedSeq: 0 });
    const after = (changed: ReturnType<typeof node>): ClusterView<MsState> => ({ nowUs: 0, nodes: [primary, bad, other], changed, changedIndex: [primary, bad, other].indexOf(changed) });
    for (const inv of [replicaPrefixOfPrimary, confirmedHeld]) {
      expect(inv.monitor()(after(other))).toBeUndefined(); // n3 is in no broken pair
      expect(inv.monitor()(after(bad))).toMatch(/n2/);
      expect(inv.monitor()(after(primary))).toMatch(/n2/);
    }
  });

  it('first-to-notice can make two primaries of one epoch, and the kernel reports it', () => {
    // Both replicas cut off from n1 at once, with the same threshold: they notice in the same instant.
    const c = msCluster({ failover: 'automatic', promotion: 'first-to-notice', failureTimeout: '200ms' }, { seed: 3 });
    c.network.partition({ kind: 'isolate', node: c.index('n1') });
    c.network.partition({ kind: 'split', groups: [[c.index('n2')], [c.index('n3')]] });
    c.advance(2_000_000);
    const broken = c.sim.findings.filter((f) => f.kind === 'invariant');
    expect(broken[0]).toMatchObject({ name: 'single-primary-per-epoch' });
    expect(broken[0]!.message).toMatch(/n2 and n3 were both primary in epoch 2/);
  });

  it('most-up-to-date never makes two primaries of one epoch in the same situation', () => {
    const c = msCluster({ failover: 'automatic', failureTimeout: '200ms' }, { seed: 3 });
    c.network.partition({ kind: 'isolate', node: c.index('n1') });
    const pid = c.network.partition({ kind: 'split', groups: [[c.index('n2')], [c.index('n3')]] });
    c.advance(2_000_000);
    expect(c.primaries()).toEqual(['n1']); // neither side has a majority
    c.network.heal(pid);
    c.advance(2_000_000);
    expect(c.primaries().length).toBe(2); // n1 (isolated, epoch 1) and the winner of n2/n3
    expect(c.sim.findings).toEqual([]);
  });

  it('epochs-only-grow: epochs and ballots never go back, across restarts, and one vote per epoch', () => {
    const check = epochsOnlyGrow.monitor();
    const at = (n: ReturnType<typeof node>): ClusterView<MsState> => ({ nowUs: 0, nodes: [n], changed: n, changedIndex: 0 });
    expect(check(at(node('n1', { epoch: 3, votedEpoch: 3, votedFor: 'n2' })))).toBeUndefined();
    expect(check(at(node('n1', { epoch: 3, votedEpoch: 3, votedFor: 'n3' })))).toBe('n1 voted for n2 and then for n3 in epoch 3');
    const back = epochsOnlyGrow.monitor();
    expect(back(at(node('n1', { epoch: 3, votedEpoch: 3, votedFor: 'n2' })))).toBeUndefined();
    expect(back(at(node('n1', { epoch: 2, votedEpoch: 3, votedFor: 'n2' })))).toBe("n1's epoch went back from 3 to 2");
    const ballot = epochsOnlyGrow.monitor();
    expect(ballot(at(node('n1', { epoch: 3, votedEpoch: 3, votedFor: 'n2' })))).toBeUndefined();
    expect(ballot(at(node('n1', { epoch: 3, votedEpoch: 2, votedFor: 'n2' })))).toBe("n1's ballot went back from epoch 3 to 2");
    expect(ballot(at(node('n1', { epoch: 4, votedEpoch: 4, votedFor: 'n3' })))).toBeUndefined(); // a new epoch, a new vote
  });

  it("confirmed-held: a primary's confirmed position for a replica is what the replica holds", () => {
    const check = confirmedHeld.monitor();
    const primary = node('n1', { role: 'primary', primary: 'n1', log: [entry(1, 1), entry(1, 2)], matchSeq: { n2: 2 }, appliedSeq: 2 });
    expect(check(view(primary, node('n2', { log: [entry(1, 1), entry(1, 2)], appliedSeq: 2 })))).toBeUndefined();
    expect(check(view(primary, node('n2', { log: [entry(1, 1)], appliedSeq: 1 })))).toBe('n1 (primary of epoch 1) counts seq 2 as confirmed by n2, which holds only 1 entries');
    expect(check(view(primary, node('n2', { log: [entry(1, 1), entry(1, 9)], appliedSeq: 2 })))).toMatch(/counts seq 2 as confirmed by n2, which holds a different entry there/);
    expect(check(view(primary, node('n2', { log: [entry(1, 1), entry(1, 2)], appliedSeq: 3 })))).toBe('n2 applied through seq 3 but holds only 2 entries');
    // A replica of another epoch or primary is not the primary's to judge.
    expect(check(view(primary, node('n2', { epoch: 2, log: [], appliedSeq: 0 })))).toBeUndefined();
  });
});
