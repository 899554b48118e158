/**
 * CASPaxos attempt timeouts: an attempt is two round trips (prepare, accept). Where they take longer
 * than `attemptTimeoutUs` — slow links, or a node whose clock runs fast (its timers fire early) —
 * a fixed timeout retries forever and no op ever completes there. Found by fuzzing
 * (fuzz-cas-paxos-170135616: n2's clock 20% fast, 19-25 ms links, a 100 ms timeout: every final
 * read at n2 timed out 8 times). The timeout doubles per attempt that timed out, as TCP's
 * retransmission timeout does, and is back to the option after an op completes.
 */
import { describe, expect, it } from 'vitest';
import { createCasPaxos, definition, type CasState } from '../../../src/protocols/cas-paxos/index.js';
import { protocolCluster } from '../../support/cluster.js';

function slowCluster(oneWayUs: number) {
  const parsed = definition.parseOptions({ attemptTimeoutUs: 100_000, maxAttempts: 8 });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return protocolCluster<CasState>({
    nodes: 3,
    seed: 5,
    protocol: createCasPaxos(parsed.value, new Set()),
    isLeader: () => false,
    network: { latency: { dist: 'constant', valueUs: oneWayUs } },
  });
}

describe('cas-paxos attempt timeouts', () => {
  it('two round trips longer than the attempt timeout still complete: the timeout grows after each attempt that timed out', () => {
    // 30 ms each way: prepare and accept take 120 ms, more than the 100 ms timeout.
    const c = slowCluster(30_000);
    const ops = [
      { f: 'write', key: 'k', value: 1 },
      { f: 'cas', key: 'k', value: [1, 2] },
      { f: 'read', key: 'k', value: null },
    ];
    const results = ops.map((op) => {
      const rid = c.request('n1', op);
      c.until(() => c.replies.has(rid), 3_000_000);
      return c.replies.get(rid);
    });
    expect(results).toEqual([
      { type: 'ok', value: 1 },
      { type: 'ok', value: [1, 2] },
      { type: 'ok', value: 2 },
    ]);
    expect(c.violations()).toEqual([]);
  });

  it('links within the timeout complete in one attempt (two round trips, 8 messages with two peers)', () => {
    const c = slowCluster(20_000);
    const before = c.sim.stats.messagesSent;
    const rid = c.request('n1', { f: 'write', key: 'k', value: 1 });
    c.until(() => c.replies.has(rid), 1_000_000);
    expect(c.replies.get(rid)).toEqual({ type: 'ok', value: 1 });
    expect(c.sim.stats.messagesSent - before).toBe(8);
  });
});
