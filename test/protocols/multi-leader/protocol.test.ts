import { describe, expect, it } from 'vitest';
import type { OpResult } from '../../../src/core/ops.js';
import { createMultiLeader, definition, type MultiLeaderState } from '../../../src/protocols/multi-leader/index.js';
import type { MultiLeaderOptions } from '../../../src/protocols/multi-leader/options.js';
import { runScenario } from '../../../src/runner/run.js';
import { makeSim } from '../../support/sim.js';
import { parseScenario, verdicts } from '../leaderless/support.js';

function options(raw: Record<string, unknown>): MultiLeaderOptions {
  const parsed = definition.parseOptions(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

function cluster(raw: Record<string, unknown>, nodes = 3, network = {}) {
  const { sim, network: net } = makeSim({ protocol: createMultiLeader(options(raw)), nodes, network });
  const replies = new Map<string, OpResult>();
  const endpoints = new Map<string, number>();
  for (let i = 1; i <= nodes; i++) endpoints.set(`n${i}`, sim.addProcess(`c${i}`, `n${i}`, { onReply: (id, result) => replies.set(id, result) }));
  let seq = 0;
  const request = (to: string, f: string, value: unknown, key?: string): string => {
    const id = `r${++seq}`;
    sim.sendRequest(endpoints.get(to)!, to, { id, client: `c-${to}`, seq, op: key === undefined ? { f, value } : { f, key, value } });
    return id;
  };
  const state = (id: string) => sim.nodes[sim.nodeIndex(id)]!.state as MultiLeaderState;
  return { sim, net, replies, request, state };
}

describe('multi-leader options', () => {
  it('fills defaults and rejects combinations that cannot work', () => {
    expect(options({})).toMatchObject({ model: 'kv', conflicts: 'lww', replicateIntervalUs: 50_000 });
    const counter = definition.parseOptions({ model: 'counter', conflicts: 'lww' });
    expect(!counter.ok && counter.issues[0]!.path).toEqual(['conflicts']);
    const register = definition.parseOptions({ conflicts: 'lww', kvRegister: 'lww' });
    expect(!register.ok && register.issues[0]!.path).toEqual(['kvRegister']);
    expect(definition.parseOptions({ nope: 1 }).ok).toBe(false);
  });
});

describe('multi-leader replication', () => {
  it('acks locally, replicates to every peer, and retransmits across a partition until acknowledged', () => {
    const c = cluster({ conflicts: 'version-vector' });
    c.sim.start();
    const cut = c.net.partition({ kind: 'isolate', node: 1 }); // n2
    const w = c.request('n1', 'write', 1, 'k');
    c.sim.run(20_000);
    expect(c.replies.get(w)).toEqual({ type: 'ok', value: 1 }); // n2 unreachable: still acknowledged
    expect(c.state('n2').store).toEqual({});
    expect(c.state('n1').log).toHaveLength(1);
    c.net.heal(cut);
    c.sim.run(300_000);
    for (const n of ['n1', 'n2', 'n3']) expect(Object.keys(c.state(n).store)).toEqual(['k']);
    expect(c.state('n1').log).toEqual([]); // acknowledged by every peer: truncated
    const r = c.request('n3', 'read', null, 'k');
    c.sim.run(310_000);
    expect(c.replies.get(r)).toEqual({ type: 'ok', value: 1 });
  });

  it('keeps both sides of a conflict as siblings with version vectors; a later write replaces them', () => {
    const c = cluster({ conflicts: 'version-vector' });
    c.sim.start();
    const a = c.request('n1', 'write', 1, 'k');
    const b = c.request('n2', 'write', 2, 'k');
    c.sim.run(100_000);
    expect([c.replies.get(a)?.type, c.replies.get(b)?.type]).toEqual(['ok', 'ok']);
    const r1 = c.request('n3', 'read', null, 'k');
    c.sim.run(110_000);
    expect(c.replies.get(r1)).toEqual({ type: 'ok', value: [1, 2] });
    c.request('n3', 'write', 3, 'k');
    c.sim.run(300_000);
    const r2 = c.request('n1', 'read', null, 'k');
    c.sim.run(310_000);
    expect(c.replies.get(r2)).toEqual({ type: 'ok', value: 3 });
  });

  it('cas compares with the local value', () => {
    const c = cluster({ conflicts: 'lww' });
    c.sim.start();
    c.request('n1', 'write', 1, 'k');
    c.sim.run(100_000);
    const ok = c.request('n2', 'cas', [1, 2], 'k');
    const no = c.request('n3', 'cas', [7, 8], 'k');
    c.sim.run(110_000);
    expect(c.replies.get(ok)).toEqual({ type: 'ok', value: [1, 2] });
    expect(c.replies.get(no)?.type).toBe('fail');
  });

  it('a crashed leader keeps its unreplicated writes and sends them after restart', () => {
    const c = cluster({ model: 'counter', conflicts: 'crdt' });
    c.sim.start();
    const cut = c.net.partition({ kind: 'isolate', node: 0 });
    c.request('n1', 'add', 5);
    c.sim.run(20_000);
    c.sim.crash('n1');
    c.net.heal(cut);
    c.sim.restart('n1');
    c.sim.run(400_000);
    const r = c.request('n3', 'read', null);
    c.sim.run(410_000);
    expect(c.replies.get(r)).toEqual({ type: 'ok', value: 5 });
  });
});

describe('multi-leader end to end', () => {
  const kv = (conflicts: string) => `
name: ml-kv-skew
protocol: multi-leader
options: { model: kv, conflicts: ${conflicts} }
nodes: 3
duration: 5s
workload: { model: kv, clients: 6, rate: 150/s, keys: 6, mix: { read: 0.3, write: 0.7 }, route: random }
faults:
  - { at: 1s, skew: n3, offset: 500ms }
checks: [lost-updates, converged, liveness]
`;
  it('LWW with a clock 500ms ahead loses newer writes; version vectors and MV-registers do not', () => {
    expect(verdicts(runScenario(parseScenario(kv('lww'))))).toMatchObject({ 'lost-updates': 'fail', converged: 'pass' });
    expect(verdicts(runScenario(parseScenario(kv('version-vector'))))).toMatchObject({ 'lost-updates': 'pass', converged: 'pass' });
    expect(verdicts(runScenario(parseScenario(kv('crdt'))))).toMatchObject({ 'lost-updates': 'pass', converged: 'pass' });
  });

  it('a PN-Counter under partition, duplication and a crash converges exactly', () => {
    const result = runScenario(
      parseScenario(`
name: ml-counter
protocol: multi-leader
options: { model: counter, conflicts: crdt }
nodes: 3
duration: 6s
network: { duplicate: 0.2, reorder: { p: 0.2, delay: 40ms } }
workload: { model: counter, clients: 3, rate: 100/s, route: sticky }
faults:
  - { at: 1s, partition: split, groups: [[n1], [n2, n3]], for: 2s }
  - { at: 4s, crash: n2, for: 300ms }
checks: [counter-bounds, converged, read-your-writes, monotonic-reads]
`),
    );
    expect(verdicts(result)).toMatchObject({ health: 'pass', 'counter-bounds': 'pass', converged: 'pass', 'read-your-writes': 'pass', 'monotonic-reads': 'pass' });
  });
});
