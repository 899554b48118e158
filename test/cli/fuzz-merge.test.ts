import { describe, expect, it } from 'vitest';
import { mergeShards, type LoadedShard } from '../../src/cli/fuzz-merge.js';
import { UsageError } from '../../src/cli/errors.js';

const base = { protocol: 'broadcast', flaws: ['no-retry'], options: {}, checks: 'promised', faults: ['crash'], swarm: true, seed: 42, requestedRuns: 30, timeLimitMs: null, dsimVersion: '0.1.0' };
const failure = (index: number, seed: number, file: string) => ({ index, seed, kind: 'violation', file, failed: [{ name: 'converged', kind: 'liveness' }] });
function shard(index: number, count: number, extra: Record<string, unknown> = {}): LoadedShard {
  return { path: `s${index}/fuzz-summary-${index}-of-${count}.json`, index, count, summary: { ...base, shard: `${index}/${count}`, runs: 10, passed: 9, failed: 1, inconclusive: 0, wallTimeMs: 1000 * index, runsPerSecond: 10, meanEvents: 100 * index, meanOps: 10, failures: [failure(index - 1, 100 + index, `s${index}/f${index}.yaml`)], ...extra } };
}
// Shards 1 and 2 found runs that shrank to the same scenario (different seeds and names); shard 3 another.
const scenarios: Record<string, unknown> = {
  's1/f1.yaml': { name: 'fuzz-a', seed: 101, nodes: 2, faults: [{ at: '1ms', crash: 'n2' }] },
  's2/f2.yaml': { name: 'fuzz-b', seed: 102, nodes: 2, faults: [{ at: '1ms', crash: 'n2' }] },
  's3/f3.yaml': { name: 'fuzz-c', seed: 103, nodes: 3, faults: [] },
};
const scenarioOf = (_shard: LoadedShard, f: Record<string, unknown>): unknown => scenarios[String(f['file'])];

describe('fuzz merge', () => {
  it('adds up the shards, keeps each distinct shrunk scenario once, and carries what the shards agree on', () => {
    const merged = mergeShards([shard(3, 3), shard(1, 3), shard(2, 3)], scenarioOf);
    expect(merged).toMatchObject({ runs: 30, passed: 27, failed: 3, failuresFound: 3, shardCount: 3, shardsPresent: [1, 2, 3], shardsMissing: [], wallTimeMs: 3000, runsPerSecond: 30, meanEvents: 200 });
    expect(merged.failures.map((f) => [f.shard, f['index'], f.duplicates.map((d) => d.shard)])).toEqual([
      ['1/3', 0, ['2/3']],
      ['3/3', 2, []],
    ]);
    expect(merged).toMatchObject({ protocol: 'broadcast', seed: 42, requestedRuns: 30, dsimVersion: '0.1.0' });
    expect(merged.shards.map((s) => s['source'])).toEqual(['s1/fuzz-summary-1-of-3.json', 's2/fuzz-summary-2-of-3.json', 's3/fuzz-summary-3-of-3.json']);
  });

  it('carries new summary fields: shared ones at the top, differing ones per shard', () => {
    const merged = mergeShards([shard(1, 2, { corpus: 'c/', coverage: 5 }), shard(2, 2, { corpus: 'c/', coverage: 7 })], scenarioOf);
    expect(merged['corpus']).toBe('c/');
    expect(merged['coverage']).toBeUndefined();
    expect(merged.shards.map((s) => s['coverage'])).toEqual([5, 7]);
  });

  it('adds up the inconclusive runs per check (a shard from before the counts existed has none)', () => {
    const merged = mergeShards([shard(1, 3, { inconclusive: 3, inconclusiveChecks: { durable: 2, liveness: 1 } }), shard(2, 3, { inconclusive: 4, inconclusiveChecks: { durable: 4 } }), shard(3, 3)], scenarioOf);
    expect(merged).toMatchObject({ inconclusive: 7, inconclusiveChecks: { durable: 6, liveness: 1 } });
  });

  it('names missing shards, and refuses shards of different campaigns or the same shard twice', () => {
    expect(mergeShards([shard(1, 4), shard(3, 4)], scenarioOf).shardsMissing).toEqual([2, 4]);
    expect(() => mergeShards([shard(1, 2), shard(2, 2, { seed: 43 })], scenarioOf)).toThrow(/not the same campaign .*seed is 43 here, 42 there/);
    expect(() => mergeShards([shard(1, 2), shard(2, 3)], scenarioOf)).toThrow(UsageError);
    expect(() => mergeShards([shard(1, 2), shard(1, 2)], scenarioOf)).toThrow(/shard 1\/2 appears twice/);
  });

  it('keeps failures whose files are gone, each on its own', () => {
    const merged = mergeShards([shard(1, 2), shard(2, 2)], () => undefined);
    expect(merged.failures).toHaveLength(2);
  });
});
