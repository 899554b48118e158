/**
 * Multi-Paxos: election and agreement, completion of open slots by a new leader (and the flaw that
 * skips it), persistence of promises, catch-up with snapshots, client sessions, `leader: none`, the
 * options' quorum rules, the scenario files, and the named flaws caught within a stated number of
 * seeds while the correct protocol passes the same seeds. Every run is seeded.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { NodeContext } from '../../../src/core/protocol.js';
import { createCasPaxos, definition as casDefinition, type CasState } from '../../../src/protocols/cas-paxos/index.js';
import { ballotOf } from '../../../src/protocols/paxos/ballot.js';
import { createPaxos, type PaxosDurable, type PaxosMessage, type PaxosOptions, type PaxosState } from '../../../src/protocols/paxos/index.js';
import { parseOptions } from '../../../src/protocols/paxos/options.js';
import { sideBySideTables } from '../../../src/protocols/paxos/side-by-side.js';
import { NOOP, commandValue } from '../../../src/protocols/paxos/slots.js';
import { ScenarioError } from '../../../src/scenario/index.js';
import { protocolCluster, type Cluster } from '../../support/cluster.js';
import { catchFlaw, describe as describeRun, run, scenario, scenarioFile } from '../../support/runs.js';

const ALL_CHECKS = ['linearizable', 'durable', 'converged', 'liveness', 'invariants'];

function options(raw: Record<string, unknown> = {}): PaxosOptions {
  const parsed = parseOptions(raw);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

function cluster(config: { nodes: number; seed?: number; options?: Record<string, unknown>; flaws?: string[] }): Cluster<PaxosState> {
  return protocolCluster<PaxosState>({ ...config, protocol: createPaxos(options(config.options), new Set(config.flaws ?? [])), isLeader: (s) => s.role === 'leader' });
}

/** The one leader among `among` with the highest ballot, waiting for it. */
function awaitLeader(c: Cluster<PaxosState>, budgetUs = 3_000_000, among = c.ids): string {
  let leader: string | undefined;
  c.until(() => {
    const up = c.leaders().filter((id) => among.includes(id));
    leader = up.sort((a, b) => c.state(b)!.leader!.ballot - c.state(a)!.leader!.ballot)[0];
    return leader !== undefined && among.every((id) => c.sim.nodeStatus(id) !== 'up' || c.state(id)!.promised <= c.state(leader!)!.leader!.ballot);
  }, budgetUs);
  if (leader === undefined) throw new Error('no leader');
  return leader;
}

function appliedEverywhere(c: Cluster<PaxosState>, ids: string[], slot: number): boolean {
  return ids.every((id) => (c.state(id)?.applied ?? 0) >= slot);
}

describe('paxos: election and agreement', () => {
  it('elects one leader, applies each write on every node in the same order, and re-elects when the leader is cut off', () => {
    const c = cluster({ nodes: 5, seed: 21 });
    const l1 = awaitLeader(c);
    const rids = [1, 2, 3].map((v) => c.request(l1, { f: 'write', key: 'k', value: v }, `c${v}`));
    expect(c.until(() => rids.every((r) => c.replies.get(r)?.type === 'ok'), 500_000)).toBe(true);
    const slot = c.state(l1)!.applied;
    expect(c.until(() => appliedEverywhere(c, c.ids, slot), 500_000)).toBe(true);
    for (const id of c.ids) expect(c.state(id)!.kv.data).toEqual({ k: 3 });
    const cut = c.isolate(l1);
    const pending = c.request(l1, { f: 'write', key: 'k', value: 4 });
    const others = c.ids.filter((id) => id !== l1);
    const l2 = awaitLeader(c, 2_000_000, others);
    expect(l2).not.toBe(l1);
    expect(c.until(() => c.state(l1)!.role !== 'leader', 1_000_000)).toBe(true); // CheckQuorum
    c.runFor(10_000);
    expect(c.replies.get(pending)?.type).toBe('info'); // may still be chosen, never `fail`
    c.heal(cut);
    const r = c.request(l2, { f: 'write', key: 'k', value: 5 });
    expect(c.until(() => c.replies.get(r)?.type === 'ok', 1_000_000)).toBe(true);
    const last = c.state(l2)!.applied;
    expect(c.until(() => appliedEverywhere(c, c.ids, last), 1_000_000)).toBe(true);
    for (const id of c.ids) expect(c.state(id)!.kv.data).toEqual({ k: 5 });
    expect(c.violations()).toEqual([]);
  });

  it('applies a retried command once and answers the retry from the session', () => {
    const c = cluster({ nodes: 3, seed: 22 });
    const leader = awaitLeader(c);
    const a = c.request(leader, { f: 'cas', key: 'k', value: [null, 5] }, 'cx', 1);
    c.until(() => c.replies.has(a), 500_000);
    const b = c.request(leader, { f: 'cas', key: 'k', value: [null, 5] }, 'cx', 1);
    c.until(() => c.replies.has(b), 500_000);
    expect(c.replies.get(a)).toEqual({ type: 'ok', value: [null, 5] });
    expect(c.replies.get(b)).toEqual(c.replies.get(a));
    const follower = c.ids.find((id) => id !== leader)!;
    const r = c.request(follower, { f: 'write', key: 'k', value: 1 });
    c.until(() => c.replies.has(r), 100_000);
    expect(c.replies.get(r)).toMatchObject({ type: 'redirect', to: leader });
  });

  it('catches a restarted follower up with a snapshot after compaction', () => {
    const c = cluster({ nodes: 3, seed: 23, options: { snapshotEvery: 20 } });
    const leader = awaitLeader(c);
    const follower = c.ids.find((id) => id !== leader)!;
    c.sim.crash(follower);
    const rids = Array.from({ length: 100 }, (_, v) => c.request(leader, { f: 'write', key: `k${v % 4}`, value: v + 1 }, `c${v % 5}`));
    c.until(() => rids.every((r) => c.replies.get(r)?.type === 'ok'), 3_000_000);
    expect(c.state(leader)!.snapshot.slot).toBeGreaterThanOrEqual(80);
    expect(c.state(leader)!.accepted.length).toBeLessThanOrEqual(21);
    c.sim.restart(follower);
    const target = c.state(leader)!.applied;
    expect(c.until(() => appliedEverywhere(c, c.ids, target), 2_000_000)).toBe(true);
    expect(c.state(follower)!.kv.data).toEqual(c.state(leader)!.kv.data);
    expect(c.violations()).toEqual([]);
  });

  it('leader: none — every node proposes; concurrent commands all apply, in one order, everywhere', () => {
    const c = cluster({ nodes: 3, seed: 24, options: { leader: 'none' } });
    c.runFor(10_000);
    const rids = c.ids.flatMap((id, i) => [1, 2, 3].map((v) => c.request(id, { f: 'write', key: `k${v}`, value: 10 * i + v }, `c-${id}-${v}`)));
    expect(c.until(() => rids.every((r) => c.replies.get(r)?.type === 'ok'), 2_000_000)).toBe(true);
    const slot = Math.max(...c.ids.map((id) => c.state(id)!.applied));
    expect(slot).toBeGreaterThanOrEqual(9);
    expect(c.until(() => appliedEverywhere(c, c.ids, slot), 2_000_000)).toBe(true);
    const views = c.ids.map((id) => JSON.stringify(c.state(id)!.kv.data));
    expect(new Set(views).size).toBe(1);
    expect(c.violations()).toEqual([]);
  });
});

/** A detached node driven handler by handler, recording what it sends and persists. */
function detached(config: { self?: string; options?: Record<string, unknown>; flaws?: string[]; durable?: PaxosDurable }) {
  const protocol = createPaxos(options(config.options), new Set(config.flaws ?? []));
  const sent: Array<{ to: string; msg: PaxosMessage }> = [];
  let persisted: PaxosDurable | undefined;
  const self = config.self ?? 'n1';
  const ctx: NodeContext<PaxosMessage, PaxosDurable> = {
    self,
    peers: ['n1', 'n2', 'n3', 'n4', 'n5'].filter((p) => p !== self),
    members: ['n1', 'n2', 'n3', 'n4', 'n5'],
    now: () => 1_000_000,
    monotonic: () => 1_000_000,
    random: () => 0.5,
    send: (to, msg) => sent.push({ to, msg }),
    setTimer: () => {},
    cancelTimer: () => {},
    persist: (d) => {
      persisted = d;
    },
    reply: () => {},
    note: () => {},
  };
  const state = protocol.init(ctx, config.durable);
  return { protocol, ctx, state, sent, persisted: () => persisted };
}

describe('paxos: phase 1 and completion', () => {
  const write = (v: number) => commandValue({ client: 'c9', seq: v, op: { f: 'write', key: 'k', value: v } });
  /** Campaigns on n1 and delivers promises reporting these votes; returns the proposals made. */
  function complete(flaws: string[] = []) {
    const node = detached({ flaws, options: { checkQuorum: false } });
    node.protocol.onTimer(node.state, 'election', node.ctx);
    const ballot = node.state.campaign!.ballot;
    // Slot 1: voted 5 in round 1 and 6 in round 2 (the higher wins); slot 2: nothing (a gap); slot 3: 7.
    node.protocol.onMessage(node.state, 'n2', { type: 'promise', ballot, snapshot: null, accepted: [[1, { ballot: ballotOf(1, 1), value: write(5) }]], waiting: [] }, node.ctx);
    node.protocol.onMessage(node.state, 'n3', { type: 'promise', ballot, snapshot: null, accepted: [[1, { ballot: ballotOf(2, 2), value: write(6) }], [3, { ballot: ballotOf(1, 1), value: write(7) }]], waiting: [] }, node.ctx);
    return node;
  }

  it('a new leader re-proposes the highest-ballot vote of each open slot and fills gaps with no-ops', () => {
    const node = complete();
    expect(node.state.role).toBe('leader');
    expect(node.state.leader!.proposals.map((p) => [p.slot, p.value.hash])).toEqual([
      [1, write(6).hash],
      [2, NOOP.hash],
      [3, write(7).hash],
    ]);
    // The leader's own vote is on disk with its promise.
    expect(node.persisted()!.promised).toBe(node.state.leader!.ballot);
    expect(node.persisted()!.accepted.map((a) => a?.value.hash)).toEqual([write(6).hash, NOOP.hash, write(7).hash]);
  });

  it('propose-own-value ignores what the promises report', () => {
    const node = complete(['propose-own-value']);
    expect(node.state.leader!.proposals.map((p) => p.value.hash)).toEqual([NOOP.hash, NOOP.hash, NOOP.hash]);
  });

  it('an acceptor refuses a ballot below its promise, and its promise survives a restart; promise-in-memory forgets it', () => {
    for (const flaws of [[], ['promise-in-memory']]) {
      const node = detached({ self: 'n2', flaws, options: { checkQuorum: false } });
      const high = ballotOf(3, 0);
      node.protocol.onMessage(node.state, 'n1', { type: 'prepare', ballot: high, fromSlot: 1 }, node.ctx);
      node.protocol.onMessage(node.state, 'n3', { type: 'prepare', ballot: ballotOf(2, 2), fromSlot: 1 }, node.ctx);
      expect(node.sent.map((s) => s.msg.type)).toEqual(['promise', 'nack']);
      const restarted = detached({ self: 'n2', flaws, durable: node.persisted() ?? { promised: 0, snapshot: node.state.snapshot, accepted: [] } });
      expect(restarted.state.promised).toBe(flaws.length === 0 ? high : 0);
    }
  });
});

describe('paxos: options', () => {
  it('refuses quorums that do not meet unless the scenario names unsafe-quorums, and lease reads without a stable leader', () => {
    const base = { protocol: 'paxos', nodes: 5, duration: '1s' };
    const issues = (raw: Record<string, unknown>): string[] => {
      try {
        scenario({ ...base, ...raw });
        return [];
      } catch (error) {
        if (!(error instanceof ScenarioError)) throw error;
        return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      }
    };
    expect(issues({ options: { quorums: { phase1: 2, phase2: 3 } } })).toEqual([expect.stringMatching(/^options\.quorums: phase1 2 \+ phase2 3 <= 5 nodes: .*unsafe-quorums/)]);
    expect(issues({ options: { quorums: { phase1: 2, phase2: 3 } }, flaws: ['unsafe-quorums'] })).toEqual([]);
    expect(issues({ options: { quorums: { phase1: 4, phase2: 2 } } })).toEqual([]);
    expect(issues({ options: { quorums: { phase1: 4, phase2: 2 } }, flaws: ['unsafe-quorums'] })).toEqual([expect.stringMatching(/^options\.quorums: the flaw unsafe-quorums needs/)]);
    expect(issues({ options: { quorums: { phase2: 6 } } })).toEqual(['options.quorums.phase2: 6 is more than the 5 nodes']);
    expect(issues({ options: { leader: 'none', reads: 'lease' } })).toEqual(['options.reads: lease reads need a stable leader (leader: stable)']);
    expect(issues({ flaws: ['unsafe-quorums'] })).toEqual([]); // phase 1 defaults to 2, phase 2 to 3
  });
});

describe('paxos: scenario files', () => {
  const dir = 'scenarios/paxos';
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  for (const file of files) {
    it(`${file}: the expectation holds with the file's seed`, () => {
      const result = run(scenarioFile(`${dir}/${file}`));
      expect(result.expectation, describeRun(result)).toBe('held');
    });
  }
});

function rawOf(file: string): Record<string, unknown> {
  return parseYaml(readFileSync(`scenarios/paxos/${file}`, 'utf8')) as Record<string, unknown>;
}

describe('paxos: named flaws are caught, and the correct protocol passes the same seeds', () => {
  // `within` is a comfortable bound: each is caught on seed 1 or 2 today (docs/protocols/paxos.md).
  const cases: Array<{ protocol: string; flaw: string; file: string; within: number }> = [
    { protocol: 'paxos', flaw: 'promise-in-memory', file: 'acceptor-restart.yaml', within: 5 },
    { protocol: 'paxos', flaw: 'propose-own-value', file: 'leader-isolated.yaml', within: 3 },
    { protocol: 'paxos', flaw: 'count-old-promises', file: 'acceptor-restart.yaml', within: 3 },
    { protocol: 'paxos', flaw: 'read-without-completion', file: 'quorum-reads.yaml', within: 3 },
    { protocol: 'paxos', flaw: 'unsafe-quorums', file: 'flexible-majority.yaml', within: 3 },
    { protocol: 'cas-paxos', flaw: 'promise-in-memory', file: 'cas-contention.yaml', within: 5 },
    { protocol: 'cas-paxos', flaw: 'propose-own-value', file: 'cas-contention.yaml', within: 3 },
    { protocol: 'cas-paxos', flaw: 'read-without-completion', file: 'cas-contention.yaml', within: 3 },
  ];
  for (const { protocol, flaw, file, within } of cases) {
    it(`${protocol} ${flaw} (${file}) within ${within} seeds`, () => {
      const raw = { ...rawOf(file), checks: protocol === 'paxos' ? ALL_CHECKS : ALL_CHECKS.filter((c) => c !== 'converged') };
      const { caughtAt, correctFailures } = catchFlaw(raw, flaw, within);
      expect(caughtAt, `${flaw} not caught in seeds 1..${within}`).toBeDefined();
      expect(correctFailures).toEqual([]);
    });
  }
});

describe('cas-paxos', () => {
  function casCluster(raw: Record<string, unknown>) {
    const parsed = casDefinition.parseOptions(raw);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return protocolCluster<CasState>({ nodes: 3, seed: 31, protocol: createCasPaxos(parsed.value, new Set()), isLeader: () => false });
  }

  it('reads, writes and cas are change functions through prepare and accept; a stable proposer with oneRoundTrip skips phase 1', () => {
    for (const oneRoundTrip of [false, true]) {
      const c = casCluster({ oneRoundTrip });
      const sentPerOp: number[] = [];
      const ops = [
        { f: 'write', key: 'k', value: 1 },
        { f: 'cas', key: 'k', value: [1, 2] },
        { f: 'cas', key: 'k', value: [1, 3] },
        { f: 'read', key: 'k', value: null },
      ];
      const results = ops.map((op) => {
        const before = c.sim.stats.messagesSent;
        const rid = c.request('n1', op);
        c.until(() => c.replies.has(rid), 200_000);
        c.runFor(5_000);
        sentPerOp.push(c.sim.stats.messagesSent - before);
        return c.replies.get(rid);
      });
      expect(results.map((r) => r?.type)).toEqual(['ok', 'ok', 'fail', 'ok']);
      expect(results[3]).toEqual({ type: 'ok', value: 2 });
      // Two peers: prepare, promise, accept and accepted with each = 8 messages; one round trip halves it.
      expect(sentPerOp).toEqual(oneRoundTrip ? [8, 4, 4, 4] : [8, 8, 8, 8]);
      expect(c.violations()).toEqual([]);
    }
  });
});

describe('paxos and raft side by side', () => {
  const dir = 'scenarios/paxos-vs-raft';
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

  it('puts the same workload and fault plan on each protocol (the files differ in protocol, options and name only)', () => {
    const plans = files.map((f) => {
      const { name: _name, protocol: _protocol, options: _options, ...rest } = parseYaml(readFileSync(`${dir}/${f}`, 'utf8')) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    expect(new Set(files.map((f) => (parseYaml(readFileSync(`${dir}/${f}`, 'utf8')) as { protocol: string }).protocol))).toEqual(new Set(['raft', 'paxos']));
    expect(new Set(plans).size).toBe(1);
  });

  it('tabulates a directory run: one row per run, measured', () => {
    const results = files.slice(0, 2).map((f) => run(scenarioFile(`${dir}/${f}`)));
    const tables = sideBySideTables(results);
    expect(tables.map((t) => t.directory)).toEqual([dir]);
    const rows = tables[0]!.table.rows;
    expect(rows.map((r) => r[0])).toEqual(['raft', 'paxos']);
    for (const [i, r] of results.entries()) {
      // Both elect within an election timeout or so at the start, and lose their leader to the faults.
      expect(r.messages.leaderlessUs).toBeGreaterThan(150_000);
      expect(r.messages.leaderlessUs).toBeLessThan(r.virtualTimeUs / 4);
      expect(rows[i]).toContain(`${r.ops.ok}/${r.ops.invoked}`);
      expect(rows[i]![rows[i]!.length - 1]).toBe(`all ${r.checks.length} held`);
    }
    // A directory of one protocol gets no table.
    expect(sideBySideTables(results.slice(0, 1))).toEqual([]);
  });
});
