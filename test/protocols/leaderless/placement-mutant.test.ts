/**
 * A classic placement mistake — a preference list that does not skip a host it already has (two
 * virtual nodes of one machine in a row) — puts keys on fewer than N machines. Every check that
 * asks the protocol where keys live agrees with it; `replicas-converged` reads placement from the
 * stores and catches it. The mutant is a local patch of the ring module, for this file only.
 */
import { describe, expect, it, vi } from 'vitest';
import { run } from '../../support/runs.js';
import { resolveScenario } from '../../../src/scenario/index.js';
import { protocolRegistry } from '../../../src/protocols/index.js';
import type * as RingModule from '../../../src/protocols/common/ring.js';

vi.mock('../../../src/protocols/common/ring.js', async (importOriginal) => {
  const ring = await importOriginal<typeof RingModule>();
  return {
    ...ring,
    // The mutant: the first N tokens clockwise, hosts repeated.
    preferenceList: (r: RingModule.Ring, key: string, n: number) => {
      const all = ring.ringWalk(r, key);
      const start = r.tokens.findIndex((t) => t.hash >= ring.hash32(key));
      const from = start < 0 ? 0 : start;
      const out: string[] = [];
      for (let i = 0; i < n && r.tokens.length > 0; i++) out.push(r.tokens[(from + i) % r.tokens.length]!.node);
      return out.length > 0 ? out : all.slice(0, n);
    },
  };
});

describe('leaderless placement judged from the stores', () => {
  it('a preference list with a repeated host leaves keys on fewer than N nodes: replicas-converged fails', () => {
    const raw = {
      protocol: 'leaderless',
      options: { tokensPerNode: 4 },
      nodes: 5,
      duration: '1s',
      workload: { model: 'kv', clients: 3, keys: 20, rate: '100/s', route: 'random' },
      heal: { quiesce: '2s' },
      checks: ['replicas-converged', 'lost-updates'],
    };
    const result = run(resolveScenario(raw, '<mutant>', { protocols: protocolRegistry() }), 1);
    const verdict = Object.fromEntries(result.checks.map((c) => [c.name, c]));
    expect(verdict['replicas-converged']!.verdict).toBe('fail');
    expect(verdict['replicas-converged']!.detail).toMatch(/keys? on fewer than 3 nodes after the heal; e\.g\. "k\d+" only on n\d, n\d \(N = 3\)/);
    // Judged by the protocol's own placement, the replicas would agree: the mutant writes, reads
    // and repairs the same short list consistently, so nothing is lost from it.
    expect(verdict['lost-updates']!.verdict).toBe('pass');
  });
});
