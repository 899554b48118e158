import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import {
  FLAW_PROFILES,
  FUZZ_PROFILES,
  HANG_TRACE_HASH,
  firstScenario,
  hangOutcome,
  WHOLE,
  fuzzRun,
  fuzzSetup,
  parseFailureHeader,
  parseShard,
  renderFailureFile,
  runIndexOf,
  runSeedOf,
  runsInShard,
  simulate,
  type FuzzRunOutcome,
} from '../../src/fuzz/index.js';

const protocols = protocolRegistry();
const CAMPAIGN = 42;

function firstFailure(protocol: string, flaws: string[], runs: number, shrinkBudget = 150): FuzzRunOutcome | undefined {
  const setup = fuzzSetup({ protocol, flaws, protocols });
  for (let i = 0; i < runs; i++) {
    const outcome = fuzzRun(setup, CAMPAIGN, i, { shrinkBudget, protocols });
    if (outcome.status === 'failed') return outcome;
  }
  return undefined;
}

describe('run seeds and shards', () => {
  it('gives every run its own seed, the same on every call', () => {
    const seeds = Array.from({ length: 2000 }, (_, i) => runSeedOf(CAMPAIGN, i));
    expect(new Set(seeds).size).toBe(2000);
    expect(runSeedOf(CAMPAIGN, 17)).toBe(seeds[17]);
    expect(runSeedOf(CAMPAIGN + 1, 17)).not.toBe(seeds[17]);
  });

  it('splits the runs between shards without overlap or gaps', () => {
    for (const total of [1, 7, 100]) {
      for (const count of [1, 2, 3, 8]) {
        const seen: number[] = [];
        for (let index = 1; index <= count; index++) {
          const shard = { index, count };
          for (let k = 0; k < runsInShard(shard, total); k++) seen.push(runIndexOf(shard, k));
        }
        expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
      }
    }
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('5/4')).toMatch(/1 <= i <= n/);
    expect(parseShard('x')).toMatch(/i\/n/);
    expect(runsInShard(WHOLE, 10)).toBe(10);
  });

  it('rebuilds a run\'s first scenario from its seed alone (what a watchdog reports for a hang)', () => {
    const setup = fuzzSetup({ protocol: 'broadcast', flaws: ['no-retry'], protocols });
    const outcome = firstFailure('broadcast', ['no-retry'], 20, 5)!;
    expect(firstScenario(setup, outcome.seed)).toEqual(outcome.failure!.original);
    const hang = hangOutcome(setup, CAMPAIGN, outcome.index, { timeoutMs: 1000 });
    expect(hang).toMatchObject({ index: outcome.index, seed: outcome.seed, status: 'failed' });
    expect(hang.failure).toMatchObject({ scenario: outcome.failure!.original, hang: { timeoutMs: 1000, during: 'run' }, traceHash: HANG_TRACE_HASH });
    expect(hang.failure!.failed[0]!.detail).toMatch(/^hang: a handler did not return within 1s/);
    const text = renderFailureFile(hang, { dsimVersion: '1', foundBy: 'x', replayCommand: 'y' });
    expect(text).toMatch(/^# shrunk: not shrunk \(a hang\)/m);
    expect(parse(text)).toEqual(JSON.parse(JSON.stringify(outcome.failure!.original)));
  });

  it('a run is deterministic: same campaign seed and index, same outcome', () => {
    const setup = fuzzSetup({ protocol: 'broadcast', protocols });
    const a = fuzzRun(setup, CAMPAIGN, 3, { protocols });
    const b = fuzzRun(setup, CAMPAIGN, 3, { protocols });
    expect(b).toEqual(a);
    expect(fuzzRun(setup, CAMPAIGN, 4, { protocols }).traceHash).not.toBe(a.traceHash);
  });
});

describe('correct configurations pass under any faults', () => {
  for (const name of protocols.keys()) {
    const runs = FUZZ_PROFILES[name] !== undefined ? 60 : 20;
    it(`${name}: ${runs} swarm runs, no failure`, () => {
      const setup = fuzzSetup({ protocol: name, protocols });
      const failed = Array.from({ length: runs }, (_, i) => fuzzRun(setup, CAMPAIGN, i, { shrinkBudget: 0, protocols })).filter((o) => o.status === 'failed');
      expect(failed.map((o) => ({ index: o.index, seed: o.seed, failed: o.failure?.failed }))).toEqual([]);
    });
  }
});

/**
 * Every named flaw of every registered protocol, and the runs (campaign seed 42) within which
 * fuzzing must find it, with its flaw profile (profiles.ts) applied as `--flaws` does. The bounds
 * are comfortable multiples of where each is found today (see docs/FUZZING.md), so small changes
 * to protocol code do not break them; a flaw without a row fails the test below.
 */
const FLAW_BUDGETS: Readonly<Record<string, { runs: number; shrinkBudget?: number }>> = {
  'broadcast/no-retry': { runs: 20 },
  'broadcast/no-persist': { runs: 60 },
  'raft/commit-previous-term': { runs: 30 },
  'raft/truncate-on-stale-append': { runs: 20 },
  'raft/no-election-restriction': { runs: 200, shrinkBudget: 60 },
  'raft/stale-read': { runs: 40, shrinkBudget: 60 },
  'raft/lease-no-margin': { runs: 150, shrinkBudget: 60 },
  'raft/no-persist-vote': { runs: 600, shrinkBudget: 60 },
  'paxos/promise-in-memory': { runs: 150, shrinkBudget: 60 },
  'paxos/propose-own-value': { runs: 60, shrinkBudget: 60 },
  'paxos/count-old-promises': { runs: 250, shrinkBudget: 60 },
  'paxos/read-without-completion': { runs: 60, shrinkBudget: 60 },
  'paxos/unsafe-quorums': { runs: 60, shrinkBudget: 60 },
};

const NAMED_FLAWS = [...protocols.values()].flatMap((d) => (d.flaws ?? []).map((f) => ({ protocol: d.name, flaw: f.name })));

describe('fuzzing finds each named flaw and shrinks it', () => {
  it('every named flaw of every registered protocol has a row', () => {
    expect(NAMED_FLAWS.map((f) => `${f.protocol}/${f.flaw}`).filter((key) => FLAW_BUDGETS[key] === undefined)).toEqual([]);
  });

  for (const { protocol, flaw } of NAMED_FLAWS) {
    const row = FLAW_BUDGETS[`${protocol}/${flaw}`] ?? { runs: 0 };
    it.skipIf(row.runs === 0)(`${protocol} --flaws ${flaw}: found within ${row.runs} runs, and shrunk`, () => {
      const outcome = firstFailure(protocol, [flaw], row.runs, row.shrinkBudget);
      expect(outcome, `no failure in ${row.runs} runs`).toBeDefined();
      const f = outcome!.failure!;
      console.log(
        `${protocol}/${flaw}: found at run ${outcome!.index} (seed ${outcome!.seed}); ` +
          `before ${JSON.stringify(f.before)}; after ${JSON.stringify(f.after)}; ${f.shrinkSteps} smaller in ${f.shrinkRuns} shrink runs; fails ${f.failed.map((c) => c.name).join(',')}`,
      );
      // Shrinking never makes the case bigger, and here makes it smaller.
      expect(f.after.faults).toBeLessThanOrEqual(f.before.faults);
      expect(f.after.nodes).toBeLessThanOrEqual(f.before.nodes);
      expect(f.after.durationMs).toBeLessThanOrEqual(f.before.durationMs);
      expect(f.after.clients).toBeLessThanOrEqual(f.before.clients);
      expect(f.shrinkSteps).toBeGreaterThan(0);
      // The shrunk case is a real failure: it replays to the same run and the same verdicts.
      const replay = simulate(f.scenario, { protocols });
      expect(replay.expectation).toBe('broken');
      expect(replay.traceHash).toBe(f.traceHash);
      expect(replay.checks.filter((c) => c.verdict === 'fail').map((c) => c.name)).toEqual(f.failed.map((c) => c.name));
    });
  }

  it('a flaw profile keeps the correct configuration passing: failures point at the flaw', () => {
    for (const [protocol, table] of Object.entries(FLAW_PROFILES)) {
      if (!protocols.has(protocol)) continue;
      for (const [flaw, fp] of Object.entries(table)) {
        const setup = fuzzSetup({ protocol, ...(fp.options !== undefined ? { options: fp.options } : {}), ...(fp.profile !== undefined ? { profile: fp.profile } : {}), protocols });
        const failed = Array.from({ length: 15 }, (_, i) => fuzzRun(setup, CAMPAIGN, i, { shrinkBudget: 0, protocols })).filter((o) => o.status === 'failed');
        expect({ flaw, failed: failed.map((o) => ({ index: o.index, failed: o.failure?.failed })) }).toEqual({ flaw, failed: [] });
      }
    }
  });

  it('applies a flaw profile only when the flaw is named, under the caller\'s own options', () => {
    const plain = fuzzSetup({ protocol: 'raft', protocols });
    const flawed = fuzzSetup({ protocol: 'raft', flaws: ['stale-read'], protocols });
    const mine = fuzzSetup({ protocol: 'raft', flaws: ['stale-read'], options: { checkQuorum: true }, protocols });
    const off = fuzzSetup({ protocol: 'raft', flaws: ['stale-read'], flawProfiles: false, protocols });
    expect(plain.context.options).toBeUndefined();
    expect(flawed.context.options).toEqual({ checkQuorum: false });
    expect(mine.context.options).toEqual({ checkQuorum: true });
    expect(off.context.options).toBeUndefined();
    expect(flawed.kinds).toEqual(['partition']);
    expect(off.kinds).toEqual(plain.kinds);
  });

  it('tells safety from liveness failures', () => {
    const outcome = firstFailure('broadcast', ['no-retry'], 20, 20);
    const kinds = Object.fromEntries(outcome!.failure!.failed.map((c) => [c.name, c.kind]));
    expect(kinds['broadcast-delivered']).toBe('liveness');
    expect(kinds['converged'] ?? 'liveness').toBe('liveness');
  });

  it('writes a failure file that is a runnable scenario with its seed, version, trace hash and replay command', () => {
    const outcome = firstFailure('broadcast', ['no-persist'], 40)!;
    const text = renderFailureFile(outcome, { dsimVersion: '9.9.9', foundBy: 'dsim fuzz --protocol broadcast --flaws no-persist --seed 42', replayCommand: 'dsim replay failures/x.yaml' });
    const header = parseFailureHeader(text);
    expect(header.traceHash).toBe(outcome.failure!.traceHash);
    expect(header.seed).toBe(String(outcome.seed));
    expect(header.dsimVersion).toBe('9.9.9');
    expect(header.failingChecks).toEqual(outcome.failure!.failed.map((c) => c.name));
    expect(text).toMatch(/^# replay: dsim replay failures\/x\.yaml$/m);
    const scenario = parse(text) as Record<string, unknown>;
    expect(scenario).toEqual(JSON.parse(JSON.stringify(outcome.failure!.scenario)));
    expect(simulate(scenario, { protocols }).traceHash).toBe(outcome.failure!.traceHash);
  });
});
