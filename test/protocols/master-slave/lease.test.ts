/**
 * The primary read lease, driven by hand: the primary stops serving reads once its lease lapses,
 * replicas wait out the lease they granted before electing anyone, and a restarted replica waits
 * a full lease before voting (the promise is not persisted).
 */
import { describe, expect, it } from 'vitest';
import { definition } from '../../../src/protocols/master-slave/index.js';
import { msCluster } from './harness.js';

const SYNC_FAILOVER = { mode: 'sync', failover: 'automatic' };
const LEASE = { readLease: { duration: '300ms', driftMargin: '30ms' } };

/** n1 primary with k1 = 1 confirmed everywhere, then isolated (its zone's client still reaches it). */
function isolatedPrimary(options: Record<string, unknown>) {
  const c = msCluster({ ...SYNC_FAILOVER, ...options });
  const w = c.write('n1', 'k1', 1);
  c.advance(100_000);
  expect(c.reply(w)?.result.type).toBe('ok');
  c.network.partition({ kind: 'isolate', node: c.index('n1') });
  return c;
}

describe('master-slave read lease', () => {
  it('a primary serves reads while a majority renews its lease, and refuses them once it lapsed', () => {
    const c = isolatedPrimary(LEASE);
    const held = c.read('n1', 'k1');
    c.advance(100_000); // the last acknowledged heartbeat left at most 150ms ago: 270ms lease
    expect(c.reply(held)?.result).toEqual({ type: 'ok', value: 1 });

    c.advance(200_000);
    const lapsed = c.read('n1', 'k1');
    c.advance(5_000);
    expect(c.state('n1').role).toBe('primary'); // it has not heard of any newer epoch
    expect(c.reply(lapsed)?.result).toMatchObject({ type: 'redirect', error: expect.stringMatching(/holds no read lease/) });
    expect(c.reply(lapsed)?.result).not.toHaveProperty('to');

    c.advance(2_000_000); // n2 or n3 is primary of a newer epoch by now; n1 still does not know
    expect(c.primaries()).toHaveLength(2);
    const later = c.read('n1', 'k1');
    c.advance(5_000);
    expect(c.reply(later)?.result.type).toBe('redirect');
  });

  it('without the lease the same isolated primary keeps answering reads from its copy', () => {
    const c = isolatedPrimary({});
    c.advance(2_000_000);
    expect(c.primaries()).toHaveLength(2);
    const stale = c.read('n1', 'k1');
    c.advance(5_000);
    expect(c.reply(stale)?.result).toEqual({ type: 'ok', value: 1 });
  });

  it('a new primary serves reads only once a majority acknowledged one of its heartbeats', () => {
    const c = isolatedPrimary(LEASE);
    c.advance(2_000_000);
    const primary = c.primaries().find((p) => p !== 'n1')!;
    const read = c.read(primary, 'k1');
    c.advance(5_000);
    expect(c.reply(read)?.result).toEqual({ type: 'ok', value: 1 });
    expect(c.state(primary).leaseAckedSentUs).not.toEqual({});
  });

  it('replicas wait out the lease they granted before electing a new primary', () => {
    // A lease far longer than the failure timeout: the silence alone would elect in 300-600ms.
    const c = isolatedPrimary({ readLease: { duration: '1s', driftMargin: '100ms' } });
    c.advance(900_000);
    expect(c.primaries()).toEqual(['n1']);
    expect(['n2', 'n3'].map((n) => c.state(n).role)).toEqual(['replica', 'replica']);
    c.advance(1_500_000);
    expect(c.primaries()).toHaveLength(2);
  });

  it('a restarted replica waits a full lease before voting: it may have granted one before the crash', () => {
    const c = msCluster({ ...SYNC_FAILOVER, readLease: { duration: '1s', driftMargin: '100ms' } });
    c.advance(200_000);
    c.sim.crash('n1');
    c.sim.crash('n2');
    c.advance(500_000);
    c.sim.restart('n2');
    expect(c.state('n2').leaseGrantedUntilUs).toBe(c.sim.clockOf('n2') + 1_000_000);
    // n3's own promise ends about 1s after the crash; n2 refuses its votes until 1s after restart.
    c.advance(900_000);
    expect(c.primaries()).toEqual([]);
    c.advance(2_000_000);
    expect(c.primaries()).toHaveLength(1);
  });

  it('validates the lease against the other options', () => {
    const ok = definition.parseOptions({ ...SYNC_FAILOVER, ...LEASE });
    expect(ok.ok && ok.value.readLease).toEqual({ durationUs: 300_000, driftMarginUs: 30_000 });
    const paths = (raw: Record<string, unknown>): string[] => {
      const parsed = definition.parseOptions(raw);
      return parsed.ok ? [] : parsed.issues.map((i) => i.path.join('.'));
    };
    expect(paths({ reads: 'replica', ...LEASE })).toEqual(['readLease']);
    expect(paths({ heartbeat: '50ms', readLease: { duration: '80ms', driftMargin: '30ms' } })).toEqual(['readLease']);
    expect(paths({ readLease: { duration: '300ms' } })).toEqual(['readLease.driftMargin']);
    expect(paths({ readLease: { duration: '300ms', driftMargin: '10ms', extra: 1 } })).toEqual(['readLease']);
  });
});
