import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../src/core/protocol.js';
import { pairOperations } from '../../src/core/history.js';
import { Rng } from '../../src/rng/index.js';
import { Workload, type WorkloadConfig } from '../../src/workload/clients.js';
import { OpGenerator, keySampler } from '../../src/workload/generators.js';
import { makeSim } from '../support/sim.js';

/** n1 answers everything after 2ms; other nodes redirect to n1; n3 never answers. */
const server: Protocol<{ data: Record<string, unknown> }, never> = {
  name: 'server',
  init: () => ({ data: {} }),
  onMessage() {},
  onTimer() {},
  onRequest(state, req, ctx) {
    if (ctx.self === 'n3') return;
    if (ctx.self !== 'n1') return ctx.reply(req.id, { type: 'redirect', to: 'n1' });
    const key = req.op.key ?? '';
    if (req.op.f === 'write') state.data[key] = req.op.value;
    ctx.reply(req.id, { type: 'ok', value: req.op.f === 'read' ? (state.data[key] ?? null) : undefined });
  },
};

const config: WorkloadConfig = { clients: 3, thinkUs: 0, timeoutUs: 100_000, retryDelayUs: 1000, route: 'random' };

function setup(overrides: Partial<WorkloadConfig> = {}, nodes = 3) {
  const { sim } = makeSim({ protocol: server, nodes });
  const generator = new OpGenerator({ model: 'kv', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { read: 0.5, write: 0.5 } });
  const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  const workload = new Workload({ ...config, ...overrides }, sim, generator, Rng.root(3).fork('workload'), () => ids, ids);
  return { sim, workload };
}

describe('Workload', () => {
  it('records a well-formed Jepsen history: ok after redirects, info after timeouts, and a fresh process after info', () => {
    const { sim, workload } = setup();
    sim.start();
    workload.start(2_000_000);
    sim.run(3_000_000);
    const ops = pairOperations(workload.history); // throws if malformed
    expect(workload.stats.ok).toBeGreaterThan(100);
    expect(workload.stats.redirects).toBeGreaterThan(0);
    expect(workload.stats.info).toBeGreaterThan(0); // requests that reached n3
    const infos = ops.filter((o) => o.outcome === 'info');
    expect(infos.every((o) => o.error === 'timeout' && o.node === 'n3')).toBe(true);
    // A process that had an info op never invokes again.
    for (const info of infos) expect(ops.filter((o) => o.process === info.process && o.invokeIndex > info.invokeIndex)).toEqual([]);
    expect(Math.max(...ops.map((o) => o.process))).toBeGreaterThanOrEqual(3);
    // Sessions: every read returns the last value written by some completed or concurrent write.
    expect(ops.filter((o) => o.f === 'read' && o.outcome === 'ok').length).toBeGreaterThan(0);
  });

  it('sticky routing sends each client to its home node; leader routing learns from redirects', () => {
    const sticky = setup({ route: 'sticky' }, 2);
    sticky.sim.start();
    sticky.workload.start(500_000);
    sticky.sim.run(1_000_000);
    // c2 lives on n2, which redirects every op to n1: all its ops still complete ok.
    expect(sticky.workload.stats.redirects).toBeGreaterThan(10);
    expect(sticky.workload.stats.fail + sticky.workload.stats.info).toBe(0);

    const leader = setup({ route: 'leader' }, 2);
    leader.sim.start();
    leader.workload.start(500_000);
    leader.sim.run(1_000_000);
    // Once a client learned that n1 leads, it goes there directly: at most one redirect per client.
    expect(leader.workload.stats.redirects).toBeLessThanOrEqual(3);
  });

  it('a redirect with no hint sends the op to a node it has not tried yet: every op finds the one node that serves within a round of the cluster', () => {
    // Only n7 serves; the others redirect without saying where (servers removed from the
    // configuration, nodes that lost the leader). Request ids end in the attempt number.
    let mostAttempts = 0;
    const lost: Protocol<Record<string, never>, never> = {
      name: 'lost',
      init: () => ({}),
      onMessage() {},
      onTimer() {},
      onRequest(_state, req, ctx) {
        mostAttempts = Math.max(mostAttempts, Number(req.id.split(':').pop()));
        ctx.reply(req.id, ctx.self === 'n7' ? { type: 'ok', value: req.op.f === 'read' ? null : undefined } : { type: 'redirect' });
      },
    };
    for (const route of ['leader', 'random'] as const) {
      mostAttempts = 0;
      const { sim } = makeSim({ protocol: lost, nodes: 7 });
      const ids = Array.from({ length: 7 }, (_, i) => `n${i + 1}`);
      const generator = new OpGenerator({ model: 'kv', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { read: 0.5, write: 0.5 } });
      const workload = new Workload({ ...config, route, timeoutUs: 1_000_000 }, sim, generator, Rng.root(5).fork('workload'), () => ids, ids);
      sim.start();
      workload.start(2_000_000);
      sim.run(3_000_000);
      expect(workload.stats.ok).toBeGreaterThan(100);
      expect(workload.stats.fail + workload.stats.info).toBe(0);
      expect(mostAttempts, route).toBeLessThanOrEqual(7);
    }
  });

  it('open loop sheds arrivals when every client is busy, never queues without bound', () => {
    const { sim, workload } = setup({ clients: 1, ratePerSecond: 5000 }, 1);
    sim.start();
    workload.start(1_000_000);
    sim.run(1_500_000);
    expect(workload.stats.shed).toBeGreaterThan(1000);
    expect(workload.stats.invoked).toBeGreaterThan(100);
  });

  it('zipfian keys favour the first keys; uniform keys do not', () => {
    const rng = Rng.root('keys');
    const zipf = keySampler(100, { kind: 'zipfian', exponent: 1.0 });
    const uniform = keySampler(100, { kind: 'uniform' });
    const z = new Array(100).fill(0);
    const u = new Array(100).fill(0);
    for (let i = 0; i < 50_000; i++) {
      z[zipf(rng)]++;
      u[uniform(rng)]++;
    }
    expect(z[0]).toBeGreaterThan(8 * z[50]); // 1/1 vs 1/51
    expect(u[0]).toBeLessThan(2 * u[50]);
  });

  it('writes unique values, and cas expects the last value written to its key', () => {
    const gen = new OpGenerator({ model: 'kv', keys: 1, keyDistribution: { kind: 'uniform' }, mix: { write: 0.5, cas: 0.5 } });
    const rng = Rng.root(1);
    const values = new Set<unknown>();
    let last: unknown = null;
    for (let i = 0; i < 200; i++) {
      const op = gen.next(rng);
      if (op.f === 'cas') {
        const [expected, next] = op.value as [unknown, unknown];
        expect(expected).toBe(last);
        last = next;
        values.add(next);
      } else {
        last = op.value;
        values.add(op.value);
      }
    }
    expect(values.size).toBe(200);
  });
});

describe('Workload final phase', () => {
  it('an opening write goes first; the final reads (its own key too) go out only once it completed ok', () => {
    const { sim } = makeSim({ protocol: server, nodes: 3 });
    const generator = new OpGenerator({ model: 'kv', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { read: 0.5, write: 0.5 } });
    const ids = ['n1', 'n2', 'n3'];
    const workload = new Workload({ ...config, route: 'leader' }, sim, generator, Rng.root(3).fork('workload'), () => ids, ids);
    sim.start();
    const opening = generator.finalWrite()!;
    expect(opening).toMatchObject({ f: 'write', key: 'k3' }); // a key of its own, past the workload's k1, k2
    workload.finalReads(generator.finalReads(opening), 1_000_000, opening);
    sim.run(1_000_000);
    const ops = pairOperations(workload.history);
    const write = ops.find((o) => o.f === 'write')!;
    const reads = ops.filter((o) => o.f === 'read');
    expect(write.outcome).toBe('ok');
    expect(reads.map((r) => r.key).sort()).toEqual(['k1', 'k2', 'k3']);
    for (const r of reads) {
      expect(r.outcome).toBe('ok');
      expect(r.invokeTimeUs!).toBeGreaterThanOrEqual(write.completeTimeUs!);
    }
    expect(reads.find((r) => r.key === 'k3')!.output).toBe(opening.value);
  });

  it('models without a plain write open with none', () => {
    const txn = new OpGenerator({ model: 'list-append', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { append: 0.5, r: 0.5 } });
    expect(txn.finalWrite()).toBeUndefined();
    const counter = new OpGenerator({ model: 'counter', keys: 1, keyDistribution: { kind: 'uniform' }, mix: { add: 0.5, read: 0.5 } });
    expect(counter.finalWrite()).toEqual({ f: 'add', value: 1 });
    expect(counter.finalReads(counter.finalWrite())).toEqual([{ f: 'read', value: null }]);
    const broadcast = new OpGenerator({ model: 'broadcast', keys: 1, keyDistribution: { kind: 'uniform' }, mix: { broadcast: 0.8, read: 0.2 } });
    expect(broadcast.finalWrite()).toEqual({ f: 'broadcast', value: 1 });
  });
});

describe('Workload resends', () => {
  /** n3 never answers; n2 refuses writes (a definite fail); n1 answers everything. Records each request's (client, seq). */
  function resendSetup(retries: number) {
    const seen: Array<{ id: string; client: string; seq: number; node: string }> = [];
    const flaky: Protocol<Record<string, never>, never> = {
      name: 'flaky',
      init: () => ({}),
      onMessage() {},
      onTimer() {},
      onRequest(_state, req, ctx) {
        seen.push({ id: req.id, client: req.client, seq: req.seq, node: ctx.self });
        if (ctx.self === 'n3') return;
        if (ctx.self === 'n2' && req.op.f === 'write') return ctx.reply(req.id, { type: 'fail', error: 'refused' });
        ctx.reply(req.id, { type: 'ok', value: req.op.f === 'read' ? null : undefined });
      },
    };
    const { sim } = makeSim({ protocol: flaky, nodes: 3 });
    const generator = new OpGenerator({ model: 'kv', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { read: 0.5, write: 0.5 } });
    const ids = ['n1', 'n2', 'n3'];
    const workload = new Workload({ ...config, route: 'random', retries }, sim, generator, Rng.root(5).fork('workload'), () => ids, ids);
    sim.start();
    workload.start(1_000_000);
    sim.run(2_000_000);
    return { workload, seen, ops: pairOperations(workload.history) };
  }

  it('a timed-out command goes again, same seq, to another node, within the op timeout; an ok answer completes it', () => {
    const { workload, seen, ops } = resendSetup(2);
    expect(workload.stats.resent).toBeGreaterThan(10);
    // Attempts of one op (request ids c:op:attempt) all carry one seq, and a resend never goes back to n3 at once.
    const byOp = new Map<string, Array<{ seq: number; node: string }>>();
    for (const r of seen) {
      const op = r.id.slice(0, r.id.lastIndexOf(':'));
      byOp.set(op, [...(byOp.get(op) ?? []), { seq: r.seq, node: r.node }]);
    }
    const resent = [...byOp.values()].filter((attempts) => attempts.length > 1);
    expect(resent.length).toBeGreaterThan(10);
    for (const attempts of resent) expect(new Set(attempts.map((a) => a.seq)).size).toBe(1);
    // Reads that reached n3 now complete ok (before: info), within the op timeout.
    const reads = ops.filter((o) => o.f === 'read');
    expect(reads.every((o) => o.outcome === 'ok' && o.completeTimeUs! - o.invokeTimeUs! <= config.timeoutUs)).toBe(true);
    // A write refused after an attempt timed out is not a definite fail: the lost attempt may yet apply.
    const writes = ops.filter((o) => o.f === 'write');
    expect(writes.some((o) => o.outcome === 'info' && o.error?.includes('an earlier attempt timed out'))).toBe(true);
    expect(writes.filter((o) => o.outcome === 'fail').every((o) => o.node === 'n2' && o.error === 'refused')).toBe(true);
  });

  it('without retries, the same run ends every op that reached n3 as info', () => {
    const { workload, ops } = resendSetup(0);
    expect(workload.stats.resent).toBe(0);
    expect(ops.filter((o) => o.outcome === 'info').every((o) => o.node === 'n3' && o.error === 'timeout')).toBe(true);
    expect(workload.stats.info).toBeGreaterThan(10);
  });
});

describe('Workload epochs (fencing tokens checked by clients)', () => {
  /**
   * n1 is a deposed primary that still answers everything, from epoch 1; n2 is its successor, of
   * epoch 2. Neither fences anyone: only the clients' own check keeps n1's answers out.
   */
  const twoPrimaries: Protocol<Record<string, never>, never> = {
    name: 'two-primaries',
    init: () => ({}),
    onMessage() {},
    onTimer() {},
    onRequest(_state, req, ctx) {
      ctx.reply(req.id, { type: 'ok', value: req.op.f === 'read' ? null : undefined, epoch: ctx.self === 'n1' ? 1 : 2 });
    },
  };

  it('a client that has heard epoch 2 sends it with every request and believes no answer of epoch 1 again', () => {
    const { sim } = makeSim({ protocol: twoPrimaries, nodes: 2 });
    const sent: Array<{ client: string; epoch: number | undefined; to: string }> = [];
    const send = sim.sendRequest.bind(sim);
    sim.sendRequest = (from, to, request) => {
      sent.push({ client: request.client, epoch: request.epoch, to });
      send(from, to, request);
    };
    const generator = new OpGenerator({ model: 'kv', keys: 2, keyDistribution: { kind: 'uniform' }, mix: { read: 0.5, write: 0.5 } });
    const ids = ['n1', 'n2'];
    const workload = new Workload({ ...config, clients: 2 }, sim, generator, Rng.root(3).fork('workload'), () => ids, ids);
    sim.start();
    workload.start(500_000);
    sim.run(1_000_000);
    const ops = pairOperations(workload.history);
    expect(workload.stats.deposed).toBeGreaterThan(10);
    for (const client of ['c1', 'c2']) {
      const mine = sent.filter((s) => s.client === client);
      const firstKnowing = mine.findIndex((s) => s.epoch === 2);
      // Requests before the client heard from n2 carry no epoch, or n1's; every one after carries 2.
      expect(firstKnowing).toBeGreaterThan(0);
      expect(mine[0]!.epoch).toBeUndefined();
      expect(mine.slice(0, firstKnowing).every((s) => s.epoch === undefined || s.epoch === 1)).toBe(true);
      expect(mine.slice(firstKnowing).every((s) => s.epoch === 2)).toBe(true);
    }
    // Only ops completed before their client heard from n2 can have been answered by n1.
    const answeredByN1 = ops.filter((o) => o.outcome === 'ok' && o.node === 'n1');
    expect(answeredByN1.length).toBeLessThanOrEqual(2);
    expect(ops.filter((o) => o.outcome === 'ok').length).toBeGreaterThan(100);
    // A write n1 acknowledged (and the client refused) may have happened there: never a definite fail.
    expect(ops.filter((o) => o.outcome === 'fail')).toEqual([]);
  });
});
