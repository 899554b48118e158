import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import {
  FUZZ_PROFILES,
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
 * Each named flaw and the runs (campaign seed 42) within which fuzzing must find it. A protocol
 * that is not registered is skipped; add a row when a protocol with flaws lands.
 */
const FLAW_BUDGETS: ReadonlyArray<{ protocol: string; flaw: string; runs: number; shrinkBudget?: number }> = [
  { protocol: 'broadcast', flaw: 'no-retry', runs: 20 },
  { protocol: 'broadcast', flaw: 'no-persist', runs: 40 },
  // Measured before raft was registered (found at runs 4, 0 and 66). Not found in 150 runs with
  // default options, even with targeted fault kinds: stale-read, lease-no-margin, no-persist-vote.
  { protocol: 'raft', flaw: 'commit-previous-term', runs: 20 },
  { protocol: 'raft', flaw: 'truncate-on-stale-append', runs: 20 },
  { protocol: 'raft', flaw: 'no-election-restriction', runs: 100, shrinkBudget: 60 },
];

describe('fuzzing finds each named flaw and shrinks it', () => {
  for (const row of FLAW_BUDGETS) {
    it.skipIf(!protocols.has(row.protocol))(`${row.protocol} --flaws ${row.flaw}: found within ${row.runs} runs`, () => {
      const outcome = firstFailure(row.protocol, [row.flaw], row.runs, row.shrinkBudget);
      expect(outcome, `no failure in ${row.runs} runs`).toBeDefined();
      const f = outcome!.failure!;
      console.log(
        `${row.protocol}/${row.flaw}: found at run ${outcome!.index} (seed ${outcome!.seed}); ` +
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
