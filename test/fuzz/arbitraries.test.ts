import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import { resolveScenario } from '../../src/scenario/resolve.js';
import {
  DEFAULT_FAULT_KINDS,
  fuzzSetup,
  genomeArbitrary,
  genomeToScenario,
  scenarioArbitrary,
  type FuzzFaultKind,
  type ScenarioObject,
} from '../../src/fuzz/index.js';

const protocols = protocolRegistry();
const SEED = 42;

/** The action keys of a fault entry, with partitions split by shape and network changes by what they change. */
function faultKeys(fault: Record<string, unknown>): string[] {
  if (fault.partition !== undefined) return [`partition:${String(fault.partition)}`];
  if (fault.network !== undefined) return Object.keys(fault.network as object).map((k) => `network:${k}`);
  const action = ['crash', 'pause', 'skew', 'restart', 'resume', 'slow'].find((k) => fault[k] !== undefined) ?? '?';
  return [fault.for !== undefined ? `${action}+for` : action];
}

/** The shapes aimed at protocol moments a fault entry has. */
function momentKeys(fault: Record<string, unknown>): string[] {
  const keys: string[] = [];
  const on = fault.on;
  if (on !== undefined) keys.push(`on:${typeof on === 'string' ? on : Object.keys(on as object)[0]!}`);
  if (fault.point !== undefined) keys.push(`point:${String(fault.point)}`);
  if (fault.wipe === true) keys.push('wipe');
  if (fault.resolution !== undefined) keys.push('clock-resolution');
  if (fault.slow !== undefined) keys.push(fault.to !== undefined ? 'slow-link' : 'slow-node');
  const net = fault.network as Record<string, unknown> | undefined;
  if (net?.reorderDelay !== undefined) keys.push('long-reorder');
  return keys;
}

function kindsOf(fault: Record<string, unknown>): FuzzFaultKind[] {
  if (fault.partition !== undefined) return ['partition'];
  if (fault.crash !== undefined) return [fault.wipe === true ? 'wipe' : 'crash'];
  if (fault.pause !== undefined) return ['pause'];
  if (fault.skew !== undefined) return ['clock'];
  if (fault.slow !== undefined) return ['slow'];
  return Object.keys(fault.network as object).filter((k) => k !== 'reorderDelay') as FuzzFaultKind[];
}

describe('scenario arbitraries', () => {
  for (const name of protocols.keys()) {
    it(`every generated ${name} scenario is a valid scenario file`, () => {
      fc.assert(
        fc.property(scenarioArbitrary({ protocol: name }), (scenario) => {
          const resolved = resolveScenario(scenario, '<test>', { protocols });
          // Every fault starts inside the main phase, so the heal at its end undoes it.
          expect(resolved.source.faults.every((f) => f.at < resolved.durationUs)).toBe(true);
        }),
        { seed: SEED, numRuns: 300 },
      );
    });
  }

  it('covers every partition shape, crashes and pauses with and without restarts, clock skew and every burst', () => {
    const seen = new Set<string>();
    for (const s of fc.sample(scenarioArbitrary({ protocol: 'broadcast' }), { seed: SEED, numRuns: 400 })) for (const f of s.faults) for (const key of faultKeys(f)) seen.add(key);
    expect([...seen].sort()).toEqual(
      [
        'crash',
        'crash+for',
        'network:duplicate',
        'network:loss',
        'network:reorder',
        'network:reorderDelay',
        'partition:bridge',
        'partition:isolate',
        'partition:majority-minority',
        'partition:one-way',
        'partition:split',
        'pause',
        'pause+for',
        'skew',
        'slow',
        'slow+for',
      ].sort(),
    );
  });

  it('the default swarm draws every shape aimed at protocol moments (wiped disks only when asked for)', () => {
    const count = new Map<string, number>();
    let stormy = 0;
    for (const s of fc.sample(scenarioArbitrary({ protocol: 'raft' }), { seed: SEED, numRuns: 400 })) {
      for (const f of s.faults) for (const key of momentKeys(f)) count.set(key, (count.get(key) ?? 0) + 1);
      // A crash storm: many crashes of a few ms each.
      if (s.faults.filter((f) => f.crash !== undefined && /^\d+ms$/.test(String(f.for)) && Number.parseInt(String(f.for), 10) <= 60).length >= 5) stormy++;
    }
    expect([...count.keys()].sort()).toEqual(
      ['clock-resolution', 'long-reorder', 'on:became', 'on:crash', 'on:note', 'on:persist', 'on:reply', 'on:restart', 'point:after-persist', 'point:partial-send', 'slow-link', 'slow-node'].sort(),
    );
    expect(stormy).toBeGreaterThan(5);
    const notes = new Set(fc.sample(scenarioArbitrary({ protocol: 'raft' }), { seed: SEED, numRuns: 400 }).flatMap((s) => s.faults.flatMap((f) => ((f.on as { note?: string } | undefined)?.note !== undefined ? [(f.on as { note: string }).note] : []))));
    expect(notes).toContain('installed-snapshot');
    expect(notes).toContain('any');
    const wiped = fc.sample(scenarioArbitrary({ protocol: 'raft', faults: ['wipe'] }), { seed: SEED, numRuns: 100 }).flatMap((s) => s.faults.filter((f) => f.wipe === true));
    expect(wiped.length).toBeGreaterThan(20);
  });

  it('targets roles the protocol reports, when its profile names any', () => {
    const setup = fuzzSetup({ protocol: 'broadcast', profile: { roles: ['leader'] } });
    const targets = new Set<string>();
    for (const g of fc.sample(genomeArbitrary(setup), { seed: SEED, numRuns: 300 }))
      for (const f of genomeToScenario(g, setup.context).faults) for (const key of ['crash', 'pause', 'target', 'skew', 'bridge']) if (typeof f[key] === 'string') targets.add(f[key] as string);
    expect(targets).toContain('leader');
    expect(targets).toContain('random');
    expect(targets).toContain('n1');
  });

  it('swarm mode: each case picks its own set of fault kinds, so many combinations are tried', () => {
    const combos = new Set<string>();
    let withoutFaults = 0;
    for (const s of fc.sample(scenarioArbitrary({ protocol: 'broadcast' }), { seed: SEED, numRuns: 400 })) {
      const kinds = new Set(s.faults.flatMap(kindsOf));
      if (s.faults.length === 0) withoutFaults++;
      combos.add([...kinds].sort().join('+'));
    }
    // 8 kinds: 256 subsets; swarm mode should reach a good share of them in 400 cases.
    expect(combos.size).toBeGreaterThan(60);
    expect(withoutFaults).toBeGreaterThan(0);
  });

  it('without swarm, every chosen kind is on at medium strength', () => {
    const setup = fuzzSetup({ protocol: 'broadcast', swarm: false });
    for (const g of fc.sample(genomeArbitrary(setup), { seed: SEED, numRuns: 50 })) {
      for (const kind of DEFAULT_FAULT_KINDS) expect(g.swarm[kind]).toBe(2);
      expect(g.swarm.disk).toBe(0); // lying disks only when asked for
    }
  });

  it('injects lying disks only when --faults names them', () => {
    const plain = fc.sample(scenarioArbitrary({ protocol: 'raft' }), { seed: SEED, numRuns: 200 });
    expect(plain.some((s) => (s.faults as Array<Record<string, unknown>>).some((f) => 'disk' in f))).toBe(false);
    const disks = fc.sample(scenarioArbitrary({ protocol: 'raft', faults: ['disk', 'crash'] }), { seed: SEED, numRuns: 200 });
    const diskFaults = disks.flatMap((s) => (s.faults as Array<Record<string, unknown>>).filter((f) => 'disk' in f));
    expect(diskFaults.length).toBeGreaterThan(20);
    for (const f of diskFaults) expect(String(f['unsynced'])).toMatch(/^\d+ms$/);
  });

  it('--faults restricts the kinds injected (no background loss either when loss is not chosen)', () => {
    const samples = fc.sample(scenarioArbitrary({ protocol: 'broadcast', faults: ['crash', 'clock'] }), { seed: SEED, numRuns: 200 });
    const kinds = new Set(samples.flatMap((s) => s.faults.flatMap(kindsOf)));
    expect([...kinds].sort()).toEqual(['clock', 'crash']);
    for (const s of samples) {
      const net = s.network as Record<string, unknown>;
      expect(net.loss).toBeUndefined();
      expect(net.duplicate).toBeUndefined();
      expect(net.reorder).toBeUndefined();
      expect(s.faults.some((f) => f.network !== undefined)).toBe(false);
    }
    const none = fc.sample(scenarioArbitrary({ protocol: 'broadcast', faults: [] }), { seed: SEED, numRuns: 50 });
    expect(none.every((s) => s.faults.length === 0)).toBe(true);
  });

  it('node references stay valid when the cluster shrinks (genomes map to valid scenarios at any size)', () => {
    const setup = fuzzSetup({ protocol: 'broadcast' });
    fc.assert(
      fc.property(genomeArbitrary(setup), fc.integer({ min: 1, max: 5 }), (genome, nodes) => {
        const scenario: ScenarioObject = genomeToScenario({ ...genome, nodes }, setup.context);
        resolveScenario(scenario, '<test>', { protocols });
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('liveness is judged after the heal: every scenario heals, with a quiet period, and ops time out before the final reads', () => {
    for (const s of fc.sample(scenarioArbitrary({ protocol: 'broadcast' }), { seed: SEED, numRuns: 100 })) {
      const resolved = resolveScenario(s, '<test>', { protocols });
      expect(resolved.heal).not.toBe(false);
      const heal = resolved.heal as { quiesceUs: number; restart: boolean };
      expect(heal.restart).toBe(true);
      expect(resolved.workload.timeoutUs).toBeLessThan(heal.quiesceUs / 2);
      expect(resolved.checks).toEqual(expect.arrayContaining(['liveness', 'converged']));
      // The network the heal restores is clean: background loss is a fault, not a setting.
      expect([resolved.network.loss, resolved.network.duplicate, resolved.network.reorder]).toEqual([0, 0, 0]);
    }
  });

  it('resent commands and lossy client links only where the configuration promises exactly-once (raft: its counter too)', () => {
    const raft = fc.sample(scenarioArbitrary({ protocol: 'raft' }), { seed: SEED, numRuns: 200 }).map((s) => resolveScenario(s, '<test>', { protocols }));
    expect(raft.filter((s) => (s.workload.retries ?? 0) > 0).length).toBeGreaterThan(40);
    expect(raft.filter((s) => s.network.lossyClientLinks).length).toBeGreaterThan(40);
    const counters = raft.filter((s) => s.model === 'counter');
    expect(counters.length).toBeGreaterThan(20);
    expect(counters.every((s) => s.checks.includes('exactly-once') && !s.checks.includes('durable'))).toBe(true);
    // Master-slave has no client sessions: a resent write could apply twice, which it does not promise against.
    for (const s of fc.sample(scenarioArbitrary({ protocol: 'master-slave' }), { seed: SEED, numRuns: 100 })) {
      const resolved = resolveScenario(s, '<test>', { protocols });
      expect([resolved.workload.retries ?? 0, resolved.network.lossyClientLinks]).toEqual([0, false]);
    }
  });

  it('the final phase opens with one write where it may be read back at once (linearizable reads, broadcast, reads that wait for a leader\'s write), so liveness asks that writes are served after the heal', () => {
    let opened = 0;
    let notOpened = 0;
    for (const protocol of ['raft', 'master-slave', 'broadcast', 'multi-leader', 'leaderless']) {
      for (const s of fc.sample(scenarioArbitrary({ protocol }), { seed: SEED, numRuns: 60 })) {
        const w = s.workload as Record<string, unknown>;
        const o = (s.options ?? {}) as { noopOnElection?: boolean; reads?: string };
        const raftWaits = protocol === 'raft' && o.noopOnElection === false && o.reads !== 'log';
        const expected = (s.checks as string[]).includes('linearizable') || w.model === 'broadcast' || raftWaits;
        expect(w.finalWrite === true, `${protocol} ${JSON.stringify(s.options)}`).toBe(expected);
        if (expected) opened++;
        else notOpened++;
      }
    }
    // Both kinds are common: eventually consistent stores read right after the write could miss it.
    expect(opened).toBeGreaterThan(60);
    expect(notOpened).toBeGreaterThan(30);
  });

  it('a third of the runs stop issuing ops before the heal while the faults go on, so a lost write can be its key\'s last', () => {
    const runs = fc.sample(scenarioArbitrary({ protocol: 'master-slave' }), { seed: SEED, numRuns: 150 }).map((s) => resolveScenario(s, '<test>', { protocols }));
    const stopping = runs.filter((s) => s.workload.untilUs < s.durationUs);
    expect(stopping.length).toBeGreaterThan(25);
    expect(stopping.length).toBeLessThan(100);
    for (const s of stopping) expect(s.workload.untilUs).toBeGreaterThanOrEqual(Math.floor(0.3 * s.durationUs) - 1000);
    // Faults still fire after the clients stopped.
    expect(stopping.some((s) => s.source.faults.some((f) => f.at > s.workload.untilUs))).toBe(true);
  });

  it('rejects unknown protocols, checks, fault kinds and bad options', () => {
    expect(() => fuzzSetup({ protocol: 'nope' })).toThrow(/unknown protocol "nope"/);
    expect(() => fuzzSetup({ protocol: 'broadcast', checks: ['linearizable-ish'] })).toThrow(/unknown check/);
    expect(() => fuzzSetup({ protocol: 'broadcast', faults: ['meteor' as FuzzFaultKind] })).toThrow(/unknown fault kind/);
    expect(() => fuzzSetup({ protocol: 'broadcast', options: { gossipIntervalUs: -1 } })).toThrow(/invalid options/);
  });
});
