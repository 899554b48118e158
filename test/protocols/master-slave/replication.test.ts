import { describe, expect, it } from 'vitest';
import { msCluster } from './harness.js';

describe('master-slave replication modes', () => {
  it('async: acknowledges after the primary alone, replicas apply in order', () => {
    const c = msCluster({ mode: 'async' });
    const w1 = c.write('n1', 'k1', 1);
    c.advance(1_500);
    const w2 = c.write('n1', 'k1', 2);
    c.advance(1_000); // w1 acknowledged at 2ms: before any replica could have confirmed it
    expect(c.reply(w1)).toMatchObject({ result: { type: 'ok' }, atUs: 2_000 });
    c.advance(20_000);
    expect(c.reply(w2)?.result.type).toBe('ok');
    for (const n of ['n1', 'n2', 'n3']) {
      expect(c.view(n)).toEqual({ k1: 2 });
      expect(c.state(n).log.map((e) => e.value)).toEqual([1, 2]);
    }
    expect(c.sim.findings).toEqual([]);
  });

  it('semi-sync: acknowledges once k replicas confirmed (one round trip to the nearest)', () => {
    const c = msCluster({ mode: 'semi-sync', k: 1 });
    const w = c.write('n1', 'k1', 7);
    c.advance(10_000);
    // client -> n1 (1ms), n1 -> n2 (1ms), ack (1ms), reply (1ms)
    expect(c.reply(w)).toMatchObject({ result: { type: 'ok' }, atUs: 4_000 });
  });

  it('semi-sync k=1 keeps acknowledging with one replica down; k=2 waits for ever without a timeout', () => {
    const k1 = msCluster({ mode: 'semi-sync', k: 1 });
    k1.sim.crash('n3');
    const a = k1.write('n1', 'k1', 1);
    k1.advance(50_000);
    expect(k1.reply(a)?.result.type).toBe('ok');

    const k2 = msCluster({ mode: 'semi-sync', k: 2 });
    k2.sim.crash('n3');
    const b = k2.write('n1', 'k1', 1);
    k2.advance(5_000_000);
    expect(k2.reply(b)).toBeUndefined();
    expect(k2.state('n1').pending).toHaveLength(1);
    // Not visible on the primary until confirmed: a read still sees nothing.
    const r = k2.read('n1', 'k1');
    k2.advance(10_000);
    expect(k2.reply(r)?.result).toEqual({ type: 'ok', value: null });
    // n3 returns and catches up: the write is confirmed by 2 replicas at last.
    k2.sim.restart('n3');
    k2.advance(200_000);
    expect(k2.reply(b)?.result.type).toBe('ok');
  });

  it('semi-sync with semiSyncTimeout falls back to async after the timeout, and back once replicas catch up', () => {
    const c = msCluster({ mode: 'semi-sync', k: 1, semiSyncTimeout: '100ms' });
    c.sim.crash('n2');
    c.sim.crash('n3');
    const w = c.write('n1', 'k1', 1);
    c.advance(50_000);
    expect(c.reply(w)).toBeUndefined();
    c.advance(100_000);
    expect(c.reply(w)).toMatchObject({ result: { type: 'ok' }, atUs: 102_000 });
    expect(c.state('n1').degraded).toBe(true);
    const fast = c.write('n1', 'k1', 2);
    c.advance(5_000);
    expect(c.reply(fast)?.result.type).toBe('ok'); // async now: no replica needed
    c.sim.restart('n2');
    c.advance(200_000);
    expect(c.state('n1').degraded).toBe(false);
    expect(c.view('n2')).toEqual({ k1: 2 });
  });

  it('sync: acknowledges only after every replica confirmed', () => {
    const c = msCluster({ mode: 'sync' }, { network: { latency: { dist: 'constant', valueUs: 1_000 } } });
    const pid = c.network.partition({ kind: 'one-way', from: [c.index('n1')], to: [c.index('n3')] });
    const w = c.write('n1', 'k1', 1);
    c.advance(1_000_000);
    expect(c.reply(w)).toBeUndefined();
    expect(c.state('n1').matchSeq).toEqual({ n2: 1 });
    c.network.heal(pid);
    c.advance(200_000); // the next heartbeat shows n3 the gap; it pulls and confirms
    expect(c.reply(w)?.result.type).toBe('ok');
    expect(c.state('n3').log).toHaveLength(1);
  });

  it('cas decides on the latest log entry and fails definitely on a mismatch', () => {
    const c = msCluster({ mode: 'semi-sync', k: 2 });
    c.write('n1', 'k1', 1);
    const ok = c.send('n1', { f: 'cas', key: 'k1', value: [1, 2] });
    const bad = c.send('n1', { f: 'cas', key: 'k1', value: [1, 3] });
    const malformed = c.send('n1', { f: 'cas', key: 'k1', value: 5 });
    c.advance(50_000);
    expect(c.reply(ok)?.result.type).toBe('ok');
    expect(c.reply(bad)?.result).toMatchObject({ type: 'fail' });
    expect(c.reply(malformed)?.result).toMatchObject({ type: 'fail' });
    expect(c.view('n3')).toEqual({ k1: 2 });
  });

  it('bounds the writes waiting for confirmations', () => {
    const c = msCluster({ mode: 'sync', maxPendingWrites: 2 });
    c.sim.crash('n3');
    const ids = [1, 2, 3].map((v) => c.write('n1', 'k1', v));
    c.advance(10_000);
    expect(ids.map((id) => c.reply(id)?.result.type)).toEqual([undefined, undefined, 'fail']);
  });
});

describe('master-slave reads and redirects', () => {
  it('reads: primary — a replica redirects reads and writes to the primary it knows', () => {
    const c = msCluster({ reads: 'primary' });
    const r = c.read('n2', 'k1');
    const w = c.write('n3', 'k1', 1);
    c.advance(10_000);
    expect(c.reply(r)?.result).toMatchObject({ type: 'redirect', to: 'n1' });
    expect(c.reply(w)?.result).toMatchObject({ type: 'redirect', to: 'n1' });
  });

  it('reads: replica — a lagging replica answers from its own, stale data', () => {
    const c = msCluster({ reads: 'replica', mode: 'async' });
    c.write('n1', 'k1', 1);
    c.advance(10_000);
    c.network.partition({ kind: 'one-way', from: [c.index('n1')], to: [c.index('n3')] });
    const w = c.write('n1', 'k1', 2);
    c.advance(10_000);
    const fresh = c.read('n2', 'k1');
    const stale = c.read('n3', 'k1');
    c.advance(10_000);
    expect(c.reply(w)?.result.type).toBe('ok');
    expect(c.reply(fresh)?.result).toEqual({ type: 'ok', value: 2 });
    expect(c.reply(stale)?.result).toEqual({ type: 'ok', value: 1 });
  });

  it('answers an unknown op with fail', () => {
    const c = msCluster({});
    const id = c.send('n1', { f: 'append', key: 'k1', value: 'x' });
    c.advance(10_000);
    expect(c.reply(id)?.result.type).toBe('fail');
  });
});

describe('master-slave catch-up and persistence', () => {
  it('a restarted replica recovers its log from disk and pulls what it missed, in batches', () => {
    const c = msCluster({ mode: 'async', maxBatch: 4 }, { trace: true });
    for (let v = 1; v <= 3; v++) c.write('n1', `k${v}`, v);
    c.advance(20_000);
    c.sim.crash('n3');
    for (let v = 4; v <= 20; v++) c.write('n1', `k${v % 5}`, v);
    c.advance(20_000);
    c.sim.restart('n3');
    expect(c.state('n3').log).toHaveLength(3); // recovered from its disk
    c.advance(500_000);
    expect(c.state('n3').log).toEqual(c.state('n1').log);
    expect(c.view('n3')).toEqual(c.view('n1'));
    const pulls = c.trace!.events.filter((e) => e.kind === 'send' && (e.msg as { type: string }).type === 'pull' && e.from === 'n3');
    expect(pulls.length).toBeGreaterThanOrEqual(5); // 17 entries, 4 per batch
    expect((pulls[0]!.kind === 'send' && (pulls[0]!.msg as { fromSeq: number }).fromSeq) || 0).toBe(4);
  });

  it('a crashed primary (failover: none) comes back as primary with its log, epoch and data', () => {
    const c = msCluster({ mode: 'async', failover: 'none' });
    c.write('n1', 'k1', 1);
    c.advance(20_000);
    c.sim.crash('n1');
    const w = c.write('n2', 'k1', 2);
    c.advance(2_000_000);
    expect(c.reply(w)?.result).toMatchObject({ type: 'redirect', to: 'n1' });
    expect(c.primaries()).toEqual([]);
    c.sim.restart('n1');
    expect(c.state('n1')).toMatchObject({ role: 'primary', epoch: 1 });
    expect(c.view('n1')).toEqual({ k1: 1 });
  });

  it('failover: none refuses a promote command (a handler error the health check reports)', () => {
    const c = msCluster({ failover: 'none' });
    c.sim.command('n2', { name: 'promote', args: {} });
    expect(c.sim.findings[0]).toMatchObject({ kind: 'handler-threw', node: 'n2' });
  });

  it('rejects an unknown command', () => {
    const c = msCluster({ failover: 'manual' });
    c.sim.command('n2', { name: 'demote', args: {} });
    expect(c.sim.findings[0]?.message).toMatch(/promote, not demote/);
  });
});
