/**
 * Properties of the linearizability checker over histories produced by a real sequential
 * execution: each op takes effect at its own instant t_i (t_0 < t_1 < ...), and its invocation and
 * completion are random points around that instant, so ops overlap at random. Some ops end
 * indeterminate (info, or never completed) whether or not they took effect; some fail (and did
 * not take effect). Such a history is linearizable by construction: t_i order witnesses it.
 *
 * Seeds are fixed; on failure fast-check prints the seed and the shrunk counterexample.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkLinearizability, getModel } from '../../src/checkers/linearizability/index.js';
import type { HistoryEvent } from '../../src/core/history.js';
import { buildHistory } from './support.js';
import type { OpSpec } from './support.js';

const SEED = 42;
const RUNS = 150;

type ModelName = 'register' | 'cas-register' | 'kv' | 'counter' | 'set';
type Fate = 'ok' | 'fail' | 'info-applied' | 'info-not-applied' | 'open-applied' | 'open-not-applied';

interface PlannedOp {
  readonly choice: number;
  readonly arg: number;
  readonly key: number;
  readonly before: number;
  readonly after: number;
  readonly fate: Fate;
}

const plannedOp: fc.Arbitrary<PlannedOp> = fc.record({
  choice: fc.integer({ min: 0, max: 99 }),
  arg: fc.integer({ min: 0, max: 4 }),
  key: fc.integer({ min: 0, max: 3 }),
  before: fc.integer({ min: 0, max: 350 }),
  after: fc.integer({ min: 0, max: 350 }),
  fate: fc.constantFrom<Fate>('ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'fail', 'info-applied', 'info-not-applied', 'open-applied', 'open-not-applied'),
});

/** The ground truth, written independently of the checker's models. */
class Truth {
  private readonly values = new Map<string, unknown>();
  private count = 0;
  private readonly members = new Set<number>();

  constructor(private readonly model: ModelName) {}

  /** The op to issue, its result if applied now, and whether it can apply at all (cas match). */
  plan(p: PlannedOp, key: string): { f: string; input: unknown; output: () => unknown; applies: boolean; apply: () => void } {
    const current = this.values.has(key) ? this.values.get(key) : this.model === 'kv' ? '' : null;
    const readEvery = p.choice < 40;
    switch (this.model) {
      case 'register':
        return readEvery
          ? { f: 'read', input: null, output: () => current, applies: true, apply: () => {} }
          : { f: 'write', input: p.arg, output: () => p.arg, applies: true, apply: () => this.values.set(key, p.arg) };
      case 'cas-register': {
        if (readEvery) return { f: 'read', input: null, output: () => current, applies: true, apply: () => {} };
        if (p.choice < 70) return { f: 'write', input: p.arg, output: () => p.arg, applies: true, apply: () => this.values.set(key, p.arg) };
        // Expected value: usually the current one, so many cas ops succeed.
        const expected = p.choice < 90 ? current : p.arg;
        const next = (p.arg + 1) % 5;
        return { f: 'cas', input: [expected, next], output: () => [expected, next], applies: expected === current, apply: () => this.values.set(key, next) };
      }
      case 'kv': {
        if (readEvery) return { f: 'get', input: null, output: () => current, applies: true, apply: () => {} };
        if (p.choice < 55) return { f: 'put', input: `v${p.arg}`, output: () => `v${p.arg}`, applies: true, apply: () => this.values.set(key, `v${p.arg}`) };
        const piece = `x${p.arg}${p.choice}y`;
        return { f: 'append', input: piece, output: () => piece, applies: true, apply: () => this.values.set(key, `${String(current)}${piece}`) };
      }
      case 'counter':
        return readEvery
          ? { f: 'read', input: null, output: () => this.count, applies: true, apply: () => {} }
          : { f: 'add', input: p.arg + 1, output: () => p.arg + 1, applies: true, apply: () => (this.count += p.arg + 1) };
      case 'set':
        return readEvery
          ? { f: 'read', input: null, output: () => [...this.members].reverse(), applies: true, apply: () => {} }
          : { f: 'add', input: p.arg, output: () => p.arg, applies: true, apply: () => this.members.add(p.arg) };
    }
  }
}

/** Executes the plan sequentially at instants 1000·i and records a Jepsen history around them. */
function execute(model: ModelName, plan: readonly PlannedOp[], keysAsProcessGroups = false): HistoryEvent[] {
  const truth = new Truth(model);
  const specs: OpSpec[] = [];
  // Per process: when its last op completed (Infinity once it ended indeterminate: it never returns).
  const busyUntil: number[] = [];
  const keyProcesses = new Map<string, number[]>();
  plan.forEach((p, i) => {
    const at = 1000 * (i + 1);
    const key = model === 'kv' ? `k${p.key}` : 'only';
    const op = truth.plan(p, key);
    const start = at - p.before;
    const end = at + p.after;
    let fate = p.fate;
    if (!op.applies && fate === 'ok') fate = 'fail'; // Jepsen: a cas whose expected value did not match fails
    const applied = op.applies && (fate === 'ok' || fate === 'info-applied' || fate === 'open-applied');
    const output = op.output();
    if (applied) op.apply();
    // A process runs one op at a time; with keysAsProcessGroups each key has its own processes.
    const pool = keysAsProcessGroups ? (keyProcesses.get(key) ?? keyProcesses.set(key, []).get(key)!) : [...busyUntil.keys()];
    let process = pool.find((q) => busyUntil[q]! < start);
    if (process === undefined) {
      process = busyUntil.length;
      busyUntil.push(0);
      if (keysAsProcessGroups) pool.push(process);
    }
    const outcome: OpSpec['outcome'] = fate === 'ok' ? 'ok' : fate === 'fail' ? 'fail' : fate.startsWith('info') ? 'info' : 'open';
    busyUntil[process] = outcome === 'ok' || outcome === 'fail' ? end : Infinity;
    specs.push({ process, f: op.f, ...(model === 'kv' ? { key } : {}), input: op.input, output, outcome, start, end });
  });
  return buildHistory(specs);
}

const modelName = fc.constantFrom<ModelName>('register', 'cas-register', 'kv', 'counter', 'set');

describe('histories from a real execution', () => {
  it('are always linearizable, whatever the overlap and indeterminate ops', () => {
    fc.assert(
      fc.property(modelName, fc.array(plannedOp, { minLength: 1, maxLength: 40 }), (name, plan) => {
        const history = execute(name, plan);
        const result = checkLinearizability(history, getModel(name)!);
        expect(result.kind, result.kind === 'unknown' ? result.reason : '').toBe('linearizable');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a read returning a value never written is always caught', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<ModelName>('register', 'cas-register', 'kv'),
        fc.array(plannedOp, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        (name, plan, pick) => {
          const history = execute(name, plan);
          const reads = history.filter((e) => e.type === 'ok' && (e.f === 'read' || e.f === 'get'));
          fc.pre(reads.length > 0);
          const victim = reads[pick % reads.length]!;
          const corrupted = history.map((e) => (e === victim ? { ...e, value: 'never-written' } : e));
          expect(checkLinearizability(corrupted, getModel(name)!).kind).toBe('not-linearizable');
        },
      ),
      { seed: SEED + 1, numRuns: RUNS },
    );
  });

  it('verdicts do not depend on the order or names of independent keys', () => {
    const kv = getModel('kv')!;
    fc.assert(
      fc.property(
        fc.array(plannedOp, { minLength: 1, maxLength: 40 }),
        fc.boolean(),
        fc.nat(),
        fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
        (plan, corrupt, pick, shuffle) => {
          let history = execute('kv', plan, true);
          if (corrupt) {
            const reads = history.filter((e) => e.type === 'ok' && e.f === 'get');
            const victim = reads[pick % Math.max(1, reads.length)];
            history = history.map((e) => (e === victim ? { ...e, value: 'never-written' } : e));
          }
          // Re-interleave: keep each key's own event order, merge the keys in a random order,
          // and rename the keys. Each key has its own processes, so the result is well formed.
          const byKey = new Map<string, HistoryEvent[]>();
          for (const e of history) (byKey.get(e.key!) ?? byKey.set(e.key!, []).get(e.key!)!).push(e);
          const queues = [...byKey.entries()].map(([key, events]) => ({ key: `renamed-${key.length}-${[...key].reverse().join('')}`, events: [...events] }));
          const merged: HistoryEvent[] = [];
          let s = 0;
          while (queues.some((q) => q.events.length > 0)) {
            const open = queues.filter((q) => q.events.length > 0);
            const q = open[shuffle[s++ % shuffle.length]! % open.length]!;
            const e = q.events.shift()!;
            merged.push({ ...e, key: q.key, index: merged.length });
          }
          const original = checkLinearizability(history, kv).kind;
          expect(checkLinearizability(merged, kv).kind).toBe(original);
          expect(original).toBe(corrupt && history.some((e) => e.value === 'never-written') ? 'not-linearizable' : 'linearizable');
        },
      ),
      { seed: SEED + 2, numRuns: RUNS },
    );
  });
});
