/**
 * Streamed checks (`dsim run --soak`) keep state only for the checks a scenario asks for: the
 * windowed linearizability search is built, and judges, only when `linearizable` is asked.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/core/history.js';
import { StreamedChecks } from '../../src/runner/stream.js';

/** p0 writes 1; then p1 reads 2, a value never written: not linearizable. */
function history(): HistoryEvent[] {
  return [
    { index: 0, type: 'invoke', process: 0, f: 'write', key: 'x', value: 1, timeUs: 0 },
    { index: 1, type: 'ok', process: 0, f: 'write', key: 'x', value: 1, timeUs: 10 },
    { index: 2, type: 'invoke', process: 1, f: 'read', key: 'x', value: null, timeUs: 20 },
    { index: 3, type: 'ok', process: 1, f: 'read', key: 'x', value: 2, timeUs: 30 },
  ];
}

function judge(checks: string[]): Map<string, { verdict: string }> {
  const streamed = new StreamedChecks({ model: 'kv', checks, finalReadFromUs: Infinity, healed: true });
  for (const e of history()) streamed.push(e);
  return streamed.finish();
}

describe('StreamedChecks', () => {
  it('judges linearizability in windows when it is asked for', () => {
    expect(judge(['linearizable']).get('linearizable')?.verdict).toBe('fail');
  });

  it('builds no linearizability search, and gives no verdict for it, when it is not asked for', () => {
    const verdicts = judge(['durable', 'liveness']);
    expect(verdicts.has('linearizable')).toBe(false);
    expect(verdicts.get('durable')?.verdict).toBeDefined();
  });

  it('keeps no durability state when durable is not asked for', () => {
    expect(judge(['linearizable']).has('durable')).toBe(false);
  });
});
