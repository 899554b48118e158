import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import {
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
    const hang = hangOutcome(setup, CAMPAIGN, outcome.index, { timeoutMs: 1000, stop: { kind: 'hang', message: "n1's handler for timer gossip did not return after 1s of CPU time (an infinite loop?)", eventIndex: 7, timeUs: 1000 } });
    expect(hang).toMatchObject({ index: outcome.index, seed: outcome.seed, status: 'failed' });
    expect(hang.failure).toMatchObject({ scenario: outcome.failure!.original, hang: { timeoutMs: 1000, during: 'run' }, traceHash: HANG_TRACE_HASH });
    expect(hang.failure!.failed[0]!.detail).toMatch(/^hang: n1's handler for timer gossip did not return after 1s of CPU time/);
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
 * Every named flaw of every registered protocol, found by its protocol's ordinary campaign (the
 * whole configuration space; only the options the flaw needs pinned; no fault profile) and by a
 * check that names the property it breaks (`FlawInfo.breaks`). The bounds are comfortable
 * multiples of where campaign seed 42 finds each today (docs/FUZZING.md has the table over five
 * seeds), so small changes to protocol code do not break them. `runs: 0` marks a flaw the plain
 * campaign does not reach within a test's budget (the table says why); a flaw without a row fails
 * the test below.
 */
const FLAW_BUDGETS: Readonly<Record<string, { runs: number; shrinkBudget?: number }>> = {
  // Coordination: each unsafe design takes one to several hundred multi-group runs (seed 42
  // without coverage feedback: no-fencing at 182, redlock none in 300; the campaign's feedback finds
  // them sooner), measured in docs/FUZZING.md rather than run here; the scenarios of
  // scenarios/coordination/ show each one in the suite.
  'coordination/follower-reads': { runs: 0 },
  'coordination/no-fencing': { runs: 0 },
  'coordination/lease-ignores-drift': { runs: 0 },
  'coordination/redlock': { runs: 0 },
  'broadcast/no-retry': { runs: 30 },
  'broadcast/no-persist': { runs: 40 },
  'raft/commit-previous-term': { runs: 0 },
  // The blind campaign (no corpus) finds it at run 604 of seed 42 since emphasis; the campaign
  // with feedback much sooner (docs/FUZZING.md). Not worth 600 runs of the suite.
  'raft/truncate-on-stale-append': { runs: 0 },
  'raft/no-election-restriction': { runs: 80, shrinkBudget: 40 },
  'raft/stale-read': { runs: 300, shrinkBudget: 40 },
  'raft/lease-no-margin': { runs: 0 },
  'raft/no-persist-vote': { runs: 0 },
  'paxos/promise-in-memory': { runs: 100, shrinkBudget: 40 },
  'paxos/propose-own-value': { runs: 40, shrinkBudget: 40 },
  'paxos/count-old-promises': { runs: 40, shrinkBudget: 40 },
  'paxos/read-without-completion': { runs: 700, shrinkBudget: 40 },
  'paxos/unsafe-quorums': { runs: 40, shrinkBudget: 40 },
  'cas-paxos/promise-in-memory': { runs: 80, shrinkBudget: 40 },
  'cas-paxos/propose-own-value': { runs: 40, shrinkBudget: 40 },
  'cas-paxos/read-without-completion': { runs: 40, shrinkBudget: 40 },
  // Found today at runs 1, 16, 16 and 9; the two lazy-write flaws need a crash in a 50ms window.
  'transactions/unilateral-abort': { runs: 20, shrinkBudget: 60 },
  'transactions/commit-before-log': { runs: 300, shrinkBudget: 60 },
  'transactions/vote-before-log': { runs: 300, shrinkBudget: 60 },
  'transactions/early-read-unlock': { runs: 40, shrinkBudget: 60 },
  // A failover from a backup the record had not reached: a pause or crash of either node of a pair.
  'transactions/vote-before-backup': { runs: 120, shrinkBudget: 60 },
};

const NAMED_FLAWS = [...protocols.values()].flatMap((d) => (d.flaws ?? []).map((f) => ({ protocol: d.name, flaw: f.name, breaks: f.breaks ?? [] })));

/** The failing checks that name a property the flaw breaks (an invariant by its name in the detail). */
function breaking(outcome: FuzzRunOutcome, breaks: readonly string[]): string[] {
  return (outcome.failure?.failed ?? []).flatMap((c) => (breaks.includes(c.name) ? [c.name] : c.name === 'invariants' ? breaks.filter((b) => c.detail.includes(`${b}:`)) : []));
}

describe('fuzzing finds each named flaw and shrinks it', () => {
  it('every named flaw of every registered protocol has a row, and names the properties it breaks', () => {
    expect(NAMED_FLAWS.map((f) => `${f.protocol}/${f.flaw}`).filter((key) => FLAW_BUDGETS[key] === undefined)).toEqual([]);
    expect(NAMED_FLAWS.filter((f) => f.breaks.length === 0).map((f) => `${f.protocol}/${f.flaw}`)).toEqual([]);
  });

  for (const { protocol, flaw, breaks } of NAMED_FLAWS) {
    const row = FLAW_BUDGETS[`${protocol}/${flaw}`] ?? { runs: 0 };
    it.skipIf(row.runs === 0)(`${protocol} --flaws ${flaw}: found within ${row.runs} runs by ${breaks.join(' or ')}, and shrunk`, () => {
      const setup = fuzzSetup({ protocol, flaws: [flaw], protocols });
      let outcome: FuzzRunOutcome | undefined;
      for (let i = 0; i < row.runs && outcome === undefined; i++) {
        const o = fuzzRun(setup, CAMPAIGN, i, { shrinkBudget: 0, protocols });
        if (o.status === 'failed' && breaking(o, breaks).length > 0) outcome = fuzzRun(setup, CAMPAIGN, i, { shrinkBudget: row.shrinkBudget ?? 150, protocols });
      }
      expect(outcome, `not found in ${row.runs} runs`).toBeDefined();
      const f = outcome!.failure!;
      console.log(
        `${protocol}/${flaw}: found at run ${outcome!.index} (seed ${outcome!.seed}); ` +
          `before ${JSON.stringify(f.before)}; after ${JSON.stringify(f.after)}; ${f.shrinkSteps} smaller in ${f.shrinkRuns} shrink runs; fails ${f.failed.map((c) => c.name).join(',')}`,
      );
      // Shrinking never makes the case bigger.
      expect(f.after.faults).toBeLessThanOrEqual(f.before.faults);
      expect(f.after.nodes).toBeLessThanOrEqual(f.before.nodes);
      expect(f.after.durationMs).toBeLessThanOrEqual(f.before.durationMs);
      expect(f.after.clients).toBeLessThanOrEqual(f.before.clients);
      // The shrunk case is a real failure: it replays to the same run and the same verdicts.
      const replay = simulate(f.scenario, { protocols });
      expect(replay.expectation).toBe('broken');
      expect(replay.traceHash).toBe(f.traceHash);
      expect(replay.checks.filter((c) => c.verdict === 'fail').map((c) => c.name)).toEqual(f.failed.map((c) => c.name));
    });
  }

  it('pins the options a named flaw needs, under the caller\'s own options', () => {
    const plain = fuzzSetup({ protocol: 'raft', protocols });
    const flawed = fuzzSetup({ protocol: 'raft', flaws: ['lease-no-margin'], protocols });
    const mine = fuzzSetup({ protocol: 'raft', flaws: ['lease-no-margin'], options: { reads: 'log' }, protocols });
    expect(plain.context.configuration.pinned).toEqual({});
    expect(flawed.context.configuration.pinned).toEqual({ reads: 'lease' });
    expect(flawed.context.configuration.dimensions.map((d) => d.name)).not.toContain('reads');
    expect(mine.context.configuration.pinned).toEqual({ reads: 'log' });
    expect(() => fuzzSetup({ protocol: 'raft', flaws: ['nope'], protocols })).toThrow(/unknown flaw\(s\) nope for raft/);
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
