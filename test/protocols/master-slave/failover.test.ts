import { describe, expect, it } from 'vitest';
import { msCluster } from './harness.js';

/**
 * n1 -> n3 cut one way, then `writes` writes acknowledged with n2's confirmation only; n1 crashes
 * 620ms later, when n3 (silent for longer than its 300-600ms threshold) has surely noticed.
 */
function laggingN3(options: Record<string, unknown>, writes = 5) {
  const c = msCluster({ mode: 'semi-sync', k: 1, failover: 'automatic', ...options });
  c.write('n1', 'k0', 0);
  c.advance(20_000);
  c.network.partition({ kind: 'one-way', from: [c.index('n1')], to: [c.index('n3')] });
  const ids: string[] = [];
  for (let v = 1; v <= writes; v++) ids.push(c.write('n1', `k${v % 2}`, v));
  c.advance(20_000);
  for (const id of ids) expect(c.reply(id)?.result.type).toBe('ok');
  expect(c.state('n2').log).toHaveLength(writes + 1);
  expect(c.state('n3').log).toHaveLength(1);
  c.advance(580_000);
  c.sim.crash('n1');
  return c;
}

describe('master-slave automatic failover', () => {
  it('elects a new primary in a higher epoch when the primary crashes, and the old one rejoins as a replica', () => {
    const c = msCluster({ mode: 'async', failover: 'automatic' });
    c.write('n1', 'k1', 1);
    c.advance(20_000);
    c.sim.crash('n1');
    c.advance(1_500_000);
    const [primary] = c.primaries();
    expect(primary === 'n2' || primary === 'n3').toBe(true);
    expect(c.state(primary!).epoch).toBeGreaterThanOrEqual(2);
    const w = c.write(primary!, 'k1', 2);
    c.advance(20_000);
    expect(c.reply(w)?.result.type).toBe('ok');
    c.sim.restart('n1');
    expect(c.state('n1').role).toBe('replica'); // it cannot know whether it was replaced
    c.advance(500_000);
    expect(c.state('n1')).toMatchObject({ role: 'replica', primary, epoch: c.state(primary!).epoch });
    expect(c.view('n1')).toEqual({ k1: 2 });
    expect(c.sim.findings).toEqual([]);
  });

  it('most-up-to-date: the replica holding the confirmed writes wins, even when the other notices first', () => {
    const c = laggingN3({ promotion: 'most-up-to-date' });
    c.advance(2_000_000);
    expect(c.primaries()).toEqual(['n2']);
    expect(c.state('n2').log).toHaveLength(6);
    expect(c.state('n3').log).toEqual(c.state('n2').log);
    expect(c.sim.findings).toEqual([]);
  });

  it('first-to-notice: the lagging replica promotes itself and the confirmed writes are truncated away', () => {
    const c = laggingN3({ promotion: 'first-to-notice' });
    c.advance(2_000_000);
    expect(c.primaries()).toEqual(['n3']);
    expect(c.state('n2').log).toHaveLength(1); // five acknowledged writes gone
    expect(c.view('n2')).toEqual({ k0: 0 });
  });

  it('a replica cut off from a live primary campaigns in vain and does not depose it', () => {
    const c = msCluster({ mode: 'async', failover: 'automatic' });
    const pid = c.network.partition({ kind: 'one-way', from: [c.index('n1')], to: [c.index('n3')] });
    c.advance(3_000_000);
    expect(c.state('n3').role).toBe('candidate');
    expect(c.primaries()).toEqual(['n1']);
    expect(c.state('n1').epoch).toBe(1);
    c.network.heal(pid);
    c.write('n1', 'k1', 1);
    c.advance(1_000_000);
    expect(c.state('n3')).toMatchObject({ role: 'replica', primary: 'n1', epoch: 1 });
    expect(c.view('n3')).toEqual({ k1: 1 });
  });

  it('split brain (async): the isolated old primary keeps acknowledging, then truncates those writes when it rejoins', () => {
    const c = msCluster({ mode: 'async', failover: 'automatic' });
    c.write('n1', 'k1', 1);
    c.advance(20_000);
    const pid = c.network.partition({ kind: 'isolate', node: c.index('n1') });
    c.advance(1_500_000);
    const [, other] = c.primaries();
    expect(c.primaries()[0]).toBe('n1'); // still believes it is primary
    expect(other === 'n2' || other === 'n3').toBe(true);
    const lost = c.write('n1', 'k1', 2); // from n1's zone: it answers
    const kept = c.write(other!, 'k2', 3);
    c.advance(20_000);
    expect(c.reply(lost)?.result.type).toBe('ok');
    expect(c.reply(kept)?.result.type).toBe('ok');
    c.network.heal(pid);
    c.advance(500_000);
    expect(c.primaries()).toEqual([other]);
    expect(c.view('n1')).toEqual({ k1: 1, k2: 3 }); // the acknowledged write of 2 is gone
    expect(c.state('n1').log).toEqual(c.state(other!).log);
    expect(c.sim.findings).toEqual([]);
  });

  it('sync: an isolated old primary acknowledges nothing, and answers its waiting writes info when fenced', () => {
    const c = msCluster({ mode: 'sync', failover: 'automatic' });
    const pid = c.network.partition({ kind: 'isolate', node: c.index('n1') });
    const w = c.write('n1', 'k1', 1);
    c.advance(1_500_000);
    expect(c.reply(w)).toBeUndefined();
    expect(c.primaries().length).toBe(2);
    c.network.heal(pid);
    c.advance(500_000);
    expect(c.reply(w)?.result).toMatchObject({ type: 'info' });
    expect(c.state('n1').role).toBe('replica');
    const primary = c.primaries()[0]!;
    expect(c.view(primary)).toEqual({});
    expect(c.view('n1')).toEqual({});
  });
});

describe('master-slave manual failover', () => {
  it('promote makes the target primary of a new epoch; a reachable old primary steps down and fails its waiting writes info', () => {
    const c = msCluster({ mode: 'semi-sync', k: 2, failover: 'manual' });
    c.sim.crash('n3');
    const waiting = c.write('n1', 'k1', 1);
    c.advance(20_000);
    expect(c.reply(waiting)).toBeUndefined();
    c.sim.command('n2', { name: 'promote', args: {} });
    c.advance(20_000);
    expect(c.primaries()).toEqual(['n2']);
    expect(c.state('n2').epoch).toBe(2);
    expect(c.reply(waiting)?.result).toMatchObject({ type: 'info' });
    const redirected = c.write('n1', 'k1', 2);
    c.advance(10_000);
    expect(c.reply(redirected)?.result).toMatchObject({ type: 'redirect', to: 'n2' });
    // Promoting the primary again changes nothing.
    c.sim.command('n2', { name: 'promote', args: {} });
    expect(c.state('n2').epoch).toBe(2);
  });

  it('no replica promotes itself under manual failover', () => {
    const c = msCluster({ mode: 'async', failover: 'manual' });
    c.sim.crash('n1');
    c.advance(5_000_000);
    expect(c.primaries()).toEqual([]);
  });

  it('an old primary restarting into a newer epoch is fenced as soon as it hears of it', () => {
    const c = msCluster({ mode: 'async', failover: 'manual' });
    c.sim.crash('n1');
    c.sim.command('n2', { name: 'promote', args: {} });
    c.advance(100_000);
    c.sim.restart('n1');
    expect(c.state('n1').role).toBe('primary'); // epoch 1 on its disk
    c.advance(100_000);
    expect(c.state('n1')).toMatchObject({ role: 'replica', epoch: 2, primary: 'n2' });
  });
});
