/**
 * The windowed (streaming) register check agrees with the whole-history checker on random kv
 * histories with unique written values — the histories dsim's workload makes: concurrent
 * processes, reads that return any value written so far (or a made-up stale one), cas ops, and
 * ops that end indeterminate (retiring their process) or fail. Roughly half are linearizable.
 * Seed fixed; fast-check prints it and the shrunk history on failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, getModel, type AnyModel } from '../../src/checkers/linearizability/index.js';
import { WindowedRegisterChecker } from '../../src/checkers/windowed-register.js';
import { OperationStream, pairOperations, type HistoryEvent } from '../../src/core/history.js';

const SEED = 1414;

interface Step {
  /** Which process slot acts (modulo the slots). */
  readonly slot: number;
  /** invoke (when idle) or complete (when busy): ok, ok, ok, fail, info. */
  readonly outcome: number;
  readonly f: number;
  readonly key: number;
  /** Which earlier value a read returns or a cas expects (0: null). */
  readonly pick: number;
}

const stepArb = fc.record({ slot: fc.nat(3), outcome: fc.nat(4), f: fc.nat(2), key: fc.nat(1), pick: fc.nat(40) });

/** Plays the steps into a history: a register per key whose reads return arbitrary earlier values. */
function historyOf(steps: readonly Step[]): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const processOf = [0, 1, 2, 3];
  let nextProcess = 4;
  const busy: Array<{ f: string; key: string; value: unknown } | undefined> = [undefined, undefined, undefined, undefined];
  const written: number[] = [];
  let nextValue = 1;
  const push = (e: Omit<HistoryEvent, 'index' | 'timeUs'>): void => void events.push({ ...e, index: events.length, timeUs: events.length * 10 });
  const pickValue = (pick: number): number | null => (pick === 0 || written.length === 0 ? null : written[written.length - 1 - (pick % Math.min(written.length, 4))]!);
  for (const s of steps) {
    const slot = s.slot % 4;
    const open = busy[slot];
    const process = processOf[slot]!;
    if (open === undefined) {
      const key = `k${s.key}`;
      const f = ['read', 'write', 'cas'][s.f]!;
      const value = f === 'read' ? null : f === 'write' ? nextValue++ : [pickValue(s.pick), nextValue++];
      busy[slot] = { f, key, value };
      push({ type: 'invoke', process, f, key, value });
      continue;
    }
    busy[slot] = undefined;
    const type = s.outcome < 3 ? 'ok' : s.outcome === 3 ? 'fail' : 'info';
    // Reads and cas may see what an ok or indeterminate write wrote (indeterminate writes may have taken effect).
    if (type !== 'fail' && open.f !== 'read') written.push(open.f === 'write' ? (open.value as number) : (open.value as number[])[1]!);
    const value = type === 'ok' && open.f === 'read' ? pickValue(s.pick) : open.value;
    push({ type, process, f: open.f, key: open.key, value });
    if (type === 'info') processOf[slot] = nextProcess++;
  }
  return events;
}

function windowed(history: readonly HistoryEvent[]): string {
  const kv = getModel('kv') as AnyModel;
  const checker = new WindowedRegisterChecker<unknown>(kv.partitionModel as AnyModel);
  const stream = new OperationStream();
  for (const event of history) {
    if (event.type === 'invoke') checker.invoked(event.key, event.index);
    const op = stream.push(event);
    if (op !== undefined) checker.completed(op);
  }
  return checker.finish(stream.open()).kind;
}

describe('windowed register check', () => {
  it('agrees with the whole-history check on random kv histories with unique written values', () => {
    let violations = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 60 }), (steps) => {
        const history = historyOf(steps);
        const whole = checkLinearizability(pairOperations(history, { allowInvokeAfterInfo: true }), getModel('kv')!);
        const streamed = windowed(history);
        if (whole.kind === 'not-linearizable') violations++;
        expect(streamed).toBe(whole.kind);
      }),
      { seed: SEED, numRuns: 1500 },
    );
    expect(violations).toBeGreaterThan(50); // the property saw both verdicts
  });

  it('closes a window at a quiescent point of its key, and names the violating window', () => {
    const kv = getModel('kv') as AnyModel;
    const checker = new WindowedRegisterChecker<unknown>(kv.partitionModel as AnyModel);
    const history: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 0, f: 'write', key: 'a', value: 1 },
      { index: 1, type: 'invoke', process: 1, f: 'read', key: 'a', value: null },
      { index: 2, type: 'ok', process: 0, f: 'write', key: 'a', value: 1 },
      { index: 3, type: 'ok', process: 1, f: 'read', key: 'a', value: null },
      { index: 4, type: 'invoke', process: 0, f: 'read', key: 'a', value: null },
      { index: 5, type: 'ok', process: 0, f: 'read', key: 'a', value: null },
    ];
    const stream = new OperationStream();
    for (const e of history) {
      if (e.type === 'invoke') checker.invoked(e.key, e.index);
      const op = stream.push(e);
      if (op !== undefined) checker.completed(op);
    }
    const result = checker.finish([]);
    expect(result).toMatchObject({ kind: 'not-linearizable', windows: 2, largestWindow: 2 });
    expect(result.violation?.window.map((op) => op.f)).toEqual(['read']);
    expect(result.violation?.startStates).toEqual(['1']);
  });

  /** Feeds `history` to a fresh checker and returns its result. */
  function check(history: readonly HistoryEvent[]): ReturnType<WindowedRegisterChecker<unknown>['finish']> {
    const checker = new WindowedRegisterChecker<unknown>((getModel('kv') as AnyModel).partitionModel as AnyModel);
    const stream = new OperationStream();
    for (const e of history) {
      if (e.type === 'invoke') checker.invoked(e.key, e.index);
      const op = stream.push(e);
      if (op !== undefined) checker.completed(op);
    }
    return checker.finish(stream.open());
  }

  /** p0's write of 9 is stuck in flight while p1 writes and reads; then it ends as `end` (info or fail). */
  function stuck(end: 'info' | 'fail', lastRead: number): HistoryEvent[] {
    const events: Array<Omit<HistoryEvent, 'index'>> = [
      { type: 'invoke', process: 0, f: 'write', key: 'a', value: 9 },
      { type: 'invoke', process: 1, f: 'write', key: 'a', value: 1 },
      { type: 'ok', process: 1, f: 'write', key: 'a', value: 1 },
      { type: 'invoke', process: 1, f: 'read', key: 'a', value: null },
      { type: 'ok', process: 1, f: 'read', key: 'a', value: 1 },
      { type: 'invoke', process: 1, f: 'write', key: 'a', value: 2 },
      { type: 'ok', process: 1, f: 'write', key: 'a', value: 2 },
      { type: 'invoke', process: 1, f: 'read', key: 'a', value: null },
      { type: 'ok', process: 1, f: 'read', key: 'a', value: lastRead },
      { type: end, process: 0, f: 'write', key: 'a', value: 9 },
    ];
    return events.map((e, index) => ({ ...e, index }));
  }

  it('cuts the ops a stuck op overlapped into windows once it ends indeterminate or failed', () => {
    // Before, the key was quiescent only when p0's write ended: one window of 4 ops.
    expect(check(stuck('info', 2))).toMatchObject({ kind: 'linearizable', windows: 4, largestWindow: 1, unobserved: 1 });
    expect(check(stuck('fail', 2))).toMatchObject({ kind: 'linearizable', windows: 4, largestWindow: 1, unobserved: 0 });
  });

  it('still finds a violation across the cuts: a read of an overwritten value', () => {
    const result = check(stuck('info', 1));
    expect(result.kind).toBe('not-linearizable');
    expect(result.violation?.window.map((op) => `${op.f} ${String(op.output)}`)).toEqual(['read 1']);
    expect(result.violation?.startStates).toEqual(['2']);
  });

  it('places concurrent reads without branching over them: 40 reads around a write, in 1,000 search steps', () => {
    // 20 reads return the value before the write and 20 the value after; all overlap it. Branching
    // over which reads go first would visit up to 2^20 x 2^20 configurations.
    const events: HistoryEvent[] = [];
    const push = (e: Omit<HistoryEvent, 'index'>): void => void events.push({ ...e, index: events.length });
    for (let p = 0; p < 40; p++) push({ type: 'invoke', process: p, f: 'read', key: 'a', value: null });
    push({ type: 'invoke', process: 40, f: 'write', key: 'a', value: 1 });
    push({ type: 'ok', process: 40, f: 'write', key: 'a', value: 1 });
    for (let p = 0; p < 40; p++) push({ type: 'ok', process: p, f: 'read', key: 'a', value: p % 2 === 0 ? null : 1 });
    const checker = new WindowedRegisterChecker<unknown>((getModel('kv') as AnyModel).partitionModel as AnyModel, 1_000);
    const stream = new OperationStream();
    for (const e of events) {
      if (e.type === 'invoke') checker.invoked(e.key, e.index);
      const op = stream.push(e);
      if (op !== undefined) checker.completed(op);
    }
    expect(checker.finish([])).toMatchObject({ kind: 'linearizable', windows: 1, largestWindow: 41 });
  });

  it('keeps an op that may still end ok in the window it overlaps', () => {
    // p0's write of 9 ends ok after the reads: it may have taken effect anywhere in its span, so
    // a read of 9 in the middle is fine and the whole span is one window.
    const events = stuck('info', 9).map((e) => (e.type === 'info' ? { ...e, type: 'ok' as const } : e));
    expect(check(events)).toMatchObject({ kind: 'linearizable', windows: 1, largestWindow: 5 });
  });
});
