/**
 * The measurement scripts' logic (mutation/mutants.mjs, scripts/planted-lib.mjs): the heavy runs
 * are `npm run mutation` and `npm run planted`; this only checks that sampling is reproducible and
 * survives unrelated edits, and that patches and campaign summaries are read right.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addStrata, fingerprintOf, keyMutants, mutateRange, sampleMutants, stratumOf, type Mutant } from '../../mutation/mutants.mjs';
import { campaignOutcome, describeSize, parsePatch, summarizeSeeds } from '../../scripts/planted-lib.mjs';

const at = (line: number, start: number, end: number) => ({ start: { line, column: start }, end: { line, column: end } });

describe('mutant keys and samples', () => {
  const sources = new Map([
    ['src/protocols/raft/a.ts', ['if (x < y) f();', 'if (x < y) g();']],
    ['src/protocols/leaderless/b.ts', ['const n = 1 + 2;']],
  ]);
  const mutants: Mutant[] = [
    { file: 'src/protocols/raft/a.ts', mutatorName: 'EqualityOperator', replacement: 'x <= y', location: at(0, 4, 9) },
    { file: 'src/protocols/raft/a.ts', mutatorName: 'EqualityOperator', replacement: 'x <= y', location: at(1, 4, 9) },
    { file: 'src/protocols/leaderless/b.ts', mutatorName: 'ArithmeticOperator', replacement: '1 - 2', location: at(0, 10, 15) },
  ];

  it('keys name the code, not its position, and number repeats', () => {
    const keyed = keyMutants(mutants, sources);
    expect(keyed.map((m) => m.key)).toEqual([
      'src/protocols/raft/a.ts|EqualityOperator|x < y|x <= y|#0',
      'src/protocols/raft/a.ts|EqualityOperator|x < y|x <= y|#1',
      'src/protocols/leaderless/b.ts|ArithmeticOperator|1 + 2|1 - 2|#0',
    ]);
    // A line inserted above moves the mutants but keeps their keys.
    const moved = keyMutants(
      mutants.map((m) => ({ ...m, location: at(m.location.start.line + 1, m.location.start.column, m.location.end.column) })),
      new Map([...sources].map(([f, lines]) => [f, ['// new', ...lines]])),
    );
    expect(moved.map((m) => m.key)).toEqual(keyed.map((m) => m.key));
  });

  it('samples per stratum, the same for the same seed, differently for another', () => {
    const many = keyMutants(
      Array.from({ length: 40 }, (_, i) => ({ file: i % 2 ? 'src/protocols/raft/a.ts' : 'src/protocols/leaderless/b.ts', mutatorName: 'M', replacement: `r${i}`, location: at(0, 0, 1) })),
      new Map([
        ['src/protocols/raft/a.ts', ['x']],
        ['src/protocols/leaderless/b.ts', ['y']],
      ]),
    );
    const a = sampleMutants(many, { seed: 11, perStratum: 5 });
    expect(a.filter((m) => m.stratum === 'raft')).toHaveLength(5);
    expect(a.filter((m) => m.stratum === 'leaderless')).toHaveLength(5);
    expect(sampleMutants([...many].reverse(), { seed: 11, perStratum: 5 }).map((m) => m.key).sort()).toEqual(a.map((m) => m.key).sort());
    expect(sampleMutants(many, { seed: 12, perStratum: 5 }).map((m) => m.key)).not.toEqual(a.map((m) => m.key));
  });

  it('adds a new stratum as a full resample would draw it, leaving the stored strata as they are', () => {
    const files = ['src/protocols/raft/a.ts', 'src/protocols/leaderless/b.ts', 'src/protocols/paxos/c.ts'];
    const many = keyMutants(
      Array.from({ length: 60 }, (_, i) => ({ file: files[i % 3]!, mutatorName: 'M', replacement: `r${i}`, location: at(0, 0, 1) })),
      new Map(files.map((f) => [f, ['x']])),
    );
    const old = sampleMutants(many.filter((m) => m.file !== files[2]), { seed: 11, perStratum: 5 });
    const stored = { seed: 11, perStratum: 5, mutants: old.map(({ key, stratum }) => ({ key, stratum })) };
    const { sample, added } = addStrata(stored, many, ['paxos', 'raft'], 'abc');
    expect(added).toBe(5);
    expect(sample.mutants.slice(0, 10)).toEqual(stored.mutants);
    const full = sampleMutants(many, { seed: 11, perStratum: 5 });
    expect(sample.mutants.map((m) => m.key).sort()).toEqual(full.map((m) => m.key).sort());
    expect(sample.added).toEqual([{ stratum: 'paxos', madeAt: 'abc' }]);
    expect(() => addStrata(stored, many, ['nope'], 'abc')).toThrow(/no mutants in nope/);
  });

  it('turns a mutant into a Stryker range and a file into its fingerprint', () => {
    expect(mutateRange(mutants[1]!)).toBe('src/protocols/raft/a.ts:2:4-2:9');
    expect(stratumOf('src/protocols/master-slave/lease.ts')).toBe('master-slave');
    expect(fingerprintOf('/**\n * Hello.\n */\nx')).toBe('*\n * Hello.\n ');
    expect(fingerprintOf('// One line.\nx')).toBe(' One line.');
    expect(fingerprintOf('x')).toBeUndefined();
  });
});

describe('planted patches', () => {
  it('every patch in the catalog names its protocol and what it breaks', () => {
    const dir = new URL('../../mutation/planted/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.patch'));
    expect(files.length).toBeGreaterThan(12);
    for (const f of files) {
      const patch = parsePatch(f, readFileSync(new URL(f, dir), 'utf8'));
      expect(['raft', 'master-slave', 'leaderless', 'multi-leader', 'broadcast']).toContain(patch.protocol);
      expect(patch.what.length).toBeGreaterThan(20);
    }
  });

  it('rejects a patch without a protocol or a diff', () => {
    expect(() => parsePatch('x', 'what: y\ndiff --git a/f b/f\n')).toThrow(/protocol/);
    expect(() => parsePatch('x', 'protocol: raft\n')).toThrow(/no diff/);
  });

  it('reads a campaign summary: runs to the first failure, checks, shrunk size', () => {
    const after = { faults: 1, nodes: 3, durationMs: 300, clients: 2, ops: 7 };
    const found = campaignOutcome({ runs: 5, failures: [{ index: 4, kind: 'violation', failed: [{ name: 'durable' }, { name: 'linearizable' }], after }] });
    expect(found).toEqual({ found: true, runsToFind: 5, kind: 'violation', checks: ['durable', 'linearizable'], shrunk: after });
    const missed = campaignOutcome({ runs: 1000, failures: [] });
    expect(missed).toEqual({ found: false, runs: 1000 });
    expect(summarizeSeeds([found, missed, { ...found, runsToFind: 2, checks: ['converged'] }])).toEqual({ foundIn: 2, seeds: 3, runsToFind: [2, 5], checks: ['converged', 'durable', 'linearizable'] });
    expect(describeSize(after)).toBe('1 / 7 / 3 / 300 ms');
  });
});
