import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../src/checkers/isolation/index.js';
import { check, txnHistory, type TxnSpec } from './support.js';

/** Txns that overlap in time: all invoked at 0, completed at 100 + i. */
function concurrent(specs: readonly Omit<TxnSpec, 'start' | 'end'>[]): TxnSpec[] {
  return specs.map((s, i) => ({ ...s, start: i, end: 100 + i }));
}

function only(result: ReturnType<typeof check>, type: string): Anomaly {
  const found = result.anomalies.filter((a) => a.type === type);
  expect(found.length, `${type} in ${JSON.stringify(result.anomalyTypes)}`).toBeGreaterThan(0);
  return found[0]!;
}

describe('list-append: one hand-built history per anomaly class', () => {
  const la = { model: 'list-append' as const };

  it('a serial history has no anomaly and is strict serializable', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['append', 'x', 1], ['r', 'y', null]] },
      { p: 1, ops: [['r', 'x', [1]], ['append', 'y', 2]] },
      { p: 0, ops: [['r', 'x', [1]], ['r', 'y', [2]]] },
    ]), la);
    expect(r.anomalyTypes).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.weakestViolated).toBeUndefined();
    expect(r.stats.edges.wr).toBeGreaterThan(0);
  });

  it('G0: two appends ordered one way on x and the other way on y', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['append', 'x', 1], ['append', 'y', 1]] },
      { p: 1, ops: [['append', 'x', 2], ['append', 'y', 2]] },
      { p: 2, ops: [['r', 'x', [1, 2]], ['r', 'y', [2, 1]]] },
    ])), la);
    const a = only(r, 'G0');
    expect(a.kind).toBe('cycle');
    if (a.kind !== 'cycle') return;
    expect(a.steps.map((s) => s.kind)).toEqual(['ww', 'ww']);
    expect(a.steps[0]!.explanation).toMatch(/^T1 appended 1 to x and T2 appended 2 right after it \(T3 read x = \[1 2\]\), so T1 → T2 \(ww\)$/);
    expect(r.weakestViolated).toBe('read-uncommitted');
    expect(r.valid).toBe(false);
  });

  it('G1a: a committed read of an aborted append', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['append', 'x', 1]], outcome: 'fail' },
      { p: 1, ops: [['r', 'x', [1]]] },
    ]), la);
    expect(only(r, 'G1a').explanation).toBe('T1 appended 1 to x and aborted, yet T2 read x = [1]');
    expect(r.weakestViolated).toBe('read-committed');
  });

  it('G1b: a read ending at an append its writer followed with another', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['append', 'x', 1], ['append', 'x', 2]] },
      { p: 1, ops: [['r', 'x', [1]]] },
    ])), la);
    expect(only(r, 'G1b').explanation).toMatch(/T1 appended 1 to x and then appended again, yet T2 read x = \[1\]/);
  });

  it('G1c: each saw the other\'s append', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['append', 'x', 1], ['r', 'y', [1]]] },
      { p: 1, ops: [['append', 'y', 1], ['r', 'x', [1]]] },
    ])), la);
    const a = only(r, 'G1c');
    if (a.kind !== 'cycle') throw new Error('expected a cycle');
    expect(a.steps.map((s) => s.kind)).toEqual(['wr', 'wr']);
    expect(a.steps.map((s) => s.explanation)).toContain('T1 appended 1 to x, T2 read x = [1], so T1 → T2 (wr)');
    expect(r.weakestViolated).toBe('read-committed');
  });

  it('G-single (read skew): saw y after T2 but x before it', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['r', 'x', null], ['r', 'y', [2]]] },
      { p: 1, ops: [['append', 'x', 1], ['append', 'y', 2]] },
      { p: 2, ops: [['r', 'x', [1]]] },
    ])), la);
    const a = only(r, 'G-single');
    if (a.kind !== 'cycle') throw new Error('expected a cycle');
    expect(a.steps.map((s) => s.kind).sort()).toEqual(['rw', 'wr']);
    expect(a.steps.find((s) => s.kind === 'rw')!.explanation).toBe('T1 read x = [] (empty), T2 appended 1, the next element of x, so T1 → T2 (rw)');
    expect(r.weakestViolated).toBe('snapshot-isolation');
    expect(check(txnHistory(concurrent([
      { p: 0, ops: [['r', 'x', null], ['r', 'y', [2]]] },
      { p: 1, ops: [['append', 'x', 1], ['append', 'y', 2]] },
      { p: 2, ops: [['r', 'x', [1]]] },
    ])), { ...la, consistency: 'read-committed' }).valid).toBe(true);
  });

  it('G2-item (write skew): each read what the other then wrote', () => {
    const specs = concurrent([
      { p: 0, ops: [['r', 'x', null], ['append', 'y', 1]] },
      { p: 1, ops: [['r', 'y', null], ['append', 'x', 2]] },
      { p: 2, ops: [['r', 'x', [2]], ['r', 'y', [1]]] },
    ]);
    const r = check(txnHistory(specs), la);
    const a = only(r, 'G2-item');
    if (a.kind !== 'cycle') throw new Error('expected a cycle');
    expect(a.steps.map((s) => s.kind)).toEqual(['rw', 'rw']);
    expect(r.weakestViolated).toBe('serializable');
    expect(check(txnHistory(specs), { ...la, consistency: 'snapshot-isolation' }).valid).toBe(true);
    expect(check(txnHistory(specs), { ...la, consistency: 'serializable' }).valid).toBe(false);
  });

  it('lost update: both read x = [1] and appended', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['append', 'x', 1]], start: 0, end: 5 },
      { p: 1, ops: [['r', 'x', [1]], ['append', 'x', 2]], start: 10, end: 20 },
      { p: 2, ops: [['r', 'x', [1]], ['append', 'x', 3]], start: 11, end: 21 },
      { p: 0, ops: [['r', 'x', [1, 2, 3]]], start: 30, end: 35 },
    ]), la);
    expect(only(r, 'lost-update').explanation).toBe('T2 and T3 read x = [1] and then appended to it, and all committed');
    expect(r.anomalyTypes).toContain('G-single');
  });

  it('internal: a txn that does not see its own append', () => {
    const r = check(txnHistory([{ p: 0, ops: [['append', 'x', 1], ['r', 'x', [2]]] }, { p: 1, ops: [['append', 'x', 2]] }]), la);
    expect(only(r, 'internal').explanation).toBe('T1 read x = [2] but expected it to end with its own [1]');
    expect(r.weakestViolated).toBe('read-uncommitted');
  });

  it('a re-read that shows a newly committed append is not internal: read committed allows it, serializability sees a cycle', () => {
    const specs = concurrent([
      { p: 0, ops: [['r', 'x', [1]], ['append', 'x', 5], ['r', 'x', [1, 2, 5]]] },
      { p: 1, ops: [['append', 'x', 2]] },
      { p: 2, ops: [['r', 'x', [1, 2, 5]]] },
    ]);
    specs.unshift({ p: 3, ops: [['append', 'x', 1]], start: -20, end: -10 });
    const rc = check(txnHistory(specs), { ...la, consistency: 'read-committed' });
    expect(rc.anomalyTypes).not.toContain('internal');
    expect(rc.valid).toBe(true);
    expect(check(txnHistory(specs), la).anomalyTypes).toContain('G-single');
    const shrinking = check(txnHistory([{ p: 0, ops: [['append', 'x', 1]] }, { p: 1, ops: [['r', 'x', [1]], ['r', 'x', null]] }]), la);
    expect(only(shrinking, 'internal').explanation).toBe('T2 read x = [] but its earlier read saw [1] before its own appends, and lists only grow');
  });

  it('duplicate elements and garbage reads', () => {
    const r = check(txnHistory([{ p: 0, ops: [['append', 'x', 1]] }, { p: 1, ops: [['r', 'x', [1, 1]]] }, { p: 1, ops: [['r', 'y', [9]]] }]), la);
    expect(only(r, 'duplicate-elements').explanation).toBe('T2 read x = [1 1], which holds 1 twice');
    expect(only(r, 'garbage-read').explanation).toBe('T3 read y = [9], but no transaction appended 9 to y');
  });

  it('incompatible order: two reads that no single order explains', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['append', 'x', 1]], start: 0, end: 50 },
      { p: 1, ops: [['append', 'x', 2]], start: 0, end: 50 },
      { p: 2, ops: [['r', 'x', [1, 2]]], start: 60, end: 70 },
      { p: 3, ops: [['r', 'x', [2, 1]]], start: 60, end: 70 },
    ]), la);
    expect(only(r, 'incompatible-order').explanation).toBe('T3 read x = [1 2] but T4 read x = [2 1]: no single order of appends gives both');
    expect(r.weakestViolated).toBe('read-committed');
  });

  it('G-single-realtime: a stale read after the append completed', () => {
    const specs: TxnSpec[] = [
      { p: 0, ops: [['append', 'x', 1]], start: 0, end: 10 },
      { p: 1, ops: [['r', 'x', null]], start: 20, end: 30 },
      { p: 2, ops: [['r', 'x', [1]]], start: 40, end: 50 },
    ];
    const strict = check(txnHistory(specs), la);
    const a = only(strict, 'G-single-realtime');
    if (a.kind !== 'cycle') throw new Error('expected a cycle');
    expect(a.steps.map((s) => s.explanation)).toContain('T1 completed (history index 1) before T2 was invoked (index 2), so T1 → T2 (realtime)');
    expect(strict.weakestViolated).toBe('strict-serializable');
    expect(check(txnHistory(specs), { ...la, consistency: 'serializable' }).valid).toBe(true);
  });

  it('G-single-process: a process that does not see its own earlier append', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['append', 'x', 1]] },
      { p: 0, ops: [['r', 'x', null]] },
      { p: 1, ops: [['r', 'x', [1]]] },
    ]), la);
    expect(r.anomalyTypes).toEqual(['G-single-process']);
    expect(r.weakestViolated).toBe('strong-session-serializable');
  });

  it('an indeterminate txn whose append was seen takes part in cycles; a failed one does not', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['append', 'x', 1], ['append', 'y', 1]], outcome: 'info' },
      { p: 1, ops: [['append', 'x', 2], ['append', 'y', 2]] },
      { p: 2, ops: [['r', 'x', [1, 2]], ['r', 'y', [2, 1]]] },
    ])), la);
    expect(r.anomalyTypes).toEqual(['G0']);
  });
});

describe('rw-register: one hand-built history per anomaly class', () => {
  const rw = { model: 'rw-register' as const };

  it('a serial history is strict serializable', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['w', 'x', 1], ['r', 'y', null]] },
      { p: 1, ops: [['r', 'x', 1], ['w', 'x', 2], ['w', 'y', 3]] },
      { p: 0, ops: [['r', 'x', 2], ['r', 'y', 3]] },
    ]), rw);
    expect(r.anomalyTypes).toEqual([]);
  });

  it('G0: writes that follow reads, in a cycle', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['w', 'x', 1], ['r', 'y', 2], ['w', 'y', 1]] },
      { p: 1, ops: [['r', 'x', 1], ['w', 'x', 2], ['w', 'y', 2]] },
    ])), rw);
    expect(r.anomalyTypes).toContain('G0');
    const a = only(r, 'G0');
    if (a.kind !== 'cycle') throw new Error('expected a cycle');
    expect(a.steps.map((s) => s.explanation)).toContain('T1 wrote x = 1, T2 read x = 1 and then wrote x = 2, so T1 → T2 (ww)');
  });

  it('G1a, G1b and garbage reads', () => {
    const r = check(txnHistory([
      { p: 0, ops: [['w', 'x', 1]], outcome: 'fail' },
      { p: 1, ops: [['r', 'x', 1]] },
      { p: 2, ops: [['w', 'y', 1], ['w', 'y', 2]], start: 100, end: 200 },
      { p: 3, ops: [['r', 'y', 1]], start: 110, end: 120 },
      { p: 3, ops: [['r', 'z', 7]], start: 300, end: 310 },
    ]), rw);
    expect(only(r, 'G1a').explanation).toBe('T1 wrote x = 1 and aborted, yet T2 read it');
    expect(only(r, 'G1b').explanation).toBe('T3 wrote y = 1 and then wrote y again, yet T4 read the intermediate 1');
    expect(only(r, 'garbage-read').explanation).toBe('T5 read z = 7, but no transaction wrote 7 to z');
  });

  it('G1c: circular information flow', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['w', 'x', 1], ['r', 'y', 1]] },
      { p: 1, ops: [['w', 'y', 1], ['r', 'x', 1]] },
    ])), rw);
    expect(r.anomalyTypes).toEqual(['G1c']);
  });

  it('G-single: read skew against the initial state', () => {
    const r = check(txnHistory(concurrent([
      { p: 0, ops: [['r', 'x', null], ['r', 'y', 2]] },
      { p: 1, ops: [['w', 'x', 1], ['w', 'y', 2]] },
    ])), rw);
    const a = only(r, 'G-single');
    if (a.kind !== 'cycle') throw new Error('expected a cycle');
    expect(a.steps.map((s) => s.explanation)).toContain('T1 read x = nil (the initial state), T2 wrote x = 1, a later version, so T1 → T2 (rw)');
  });

  it('G2-item and lost update', () => {
    const skew = check(txnHistory(concurrent([
      { p: 0, ops: [['r', 'x', null], ['w', 'y', 1]] },
      { p: 1, ops: [['r', 'y', null], ['w', 'x', 2]] },
    ])), rw);
    expect(skew.anomalyTypes).toEqual(['G2-item']);
    const lost = check(txnHistory(concurrent([
      { p: 0, ops: [['r', 'x', null], ['w', 'x', 1]] },
      { p: 1, ops: [['r', 'x', null], ['w', 'x', 2]] },
    ])), rw);
    expect(only(lost, 'lost-update').explanation).toBe('T1 and T2 read x = nil and then wrote it, and all committed');
  });

  it('internal: a read that misses the txn\'s own write', () => {
    const r = check(txnHistory([{ p: 0, ops: [['w', 'x', 1], ['r', 'x', 2]] }, { p: 1, ops: [['w', 'x', 2]] }]), rw);
    expect(only(r, 'internal').explanation).toBe('T1 read x = 2 but expected its own write of 1');
  });
});

describe('input errors', () => {
  it('names the txn that breaks the unique-value rule', () => {
    expect(() => check(txnHistory([{ p: 0, ops: [['append', 'x', 1]] }, { p: 1, ops: [['append', 'x', 1]] }]), { model: 'list-append' })).toThrow(
      'T1 and T2 both append 1 to x: list-append needs every appended value to be unique per key',
    );
    expect(() => check(txnHistory([{ p: 0, ops: [['w', 'x', 1]] }]), { model: 'list-append' })).toThrow(/not w \(use --model rw-register\)/);
  });
});
