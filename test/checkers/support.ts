/** Helpers for checker tests: build histories from op intervals; a brute-force reference checker. */
import type { HistoryEvent, Operation } from '../../src/core/history.js';
import type { AnyModel } from '../../src/checkers/models/index.js';
import { toModelOp } from '../../src/checkers/models/index.js';

export interface OpSpec {
  readonly process: number;
  readonly f: string;
  readonly key?: string;
  readonly input?: unknown;
  /** The result (ok ops). */
  readonly output?: unknown;
  /** Default ok. `open`: invoked, never completed. */
  readonly outcome?: 'ok' | 'fail' | 'info' | 'open';
  readonly start: number;
  readonly end: number;
}

/**
 * Events sorted by time; at equal times invocations come first (touching ops overlap). Times
 * become `timeUs`.
 */
export function buildHistory(specs: readonly OpSpec[]): HistoryEvent[] {
  const raw: { time: number; order: number; seq: number; event: Omit<HistoryEvent, 'index'> }[] = [];
  specs.forEach((spec, seq) => {
    const base = { process: spec.process, f: spec.f, ...(spec.key === undefined ? {} : { key: spec.key }) };
    raw.push({ time: spec.start, order: 0, seq, event: { ...base, type: 'invoke', value: spec.input ?? null, timeUs: spec.start } });
    const outcome = spec.outcome ?? 'ok';
    if (outcome === 'open') return;
    const value = outcome === 'ok' ? (spec.output ?? spec.input ?? null) : outcome === 'fail' ? (spec.input ?? null) : null;
    raw.push({ time: spec.end, order: 1, seq, event: { ...base, type: outcome, value, timeUs: spec.end } });
  });
  raw.sort((a, b) => a.time - b.time || a.order - b.order || a.seq - b.seq);
  return raw.map((r, index) => ({ ...r.event, index }) as HistoryEvent);
}

/**
 * Exhaustive reference: some order of all determinate ops plus any subset of indeterminate ones,
 * consistent with real time, that the model accepts. No pruning, no memoization: tiny inputs only.
 */
export function bruteForceLinearizable(ops: readonly Operation[], model: AnyModel): boolean {
  const live = ops.filter((op) => op.outcome !== 'fail');
  const determinate = live.filter((op) => op.outcome === 'ok');
  const placed = new Set<Operation>();
  const search = (state: unknown): boolean => {
    if (determinate.every((op) => placed.has(op))) return true;
    for (const op of live) {
      if (placed.has(op)) continue;
      // Every determinate op that completed before this one was invoked must already be placed.
      if (determinate.some((d) => !placed.has(d) && d !== op && d.completeIndex < op.invokeIndex)) continue;
      const result = model.step(state, toModelOp(op));
      if (!result.ok) continue;
      placed.add(op);
      const found = search(result.nextState);
      placed.delete(op);
      if (found) return true;
    }
    return false;
  };
  return search(model.init());
}
