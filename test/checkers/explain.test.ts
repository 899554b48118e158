/**
 * explainEvidence: why a history is not linearizable, in terms of the checker's own evidence — the
 * model state after each op of the longest linearizable prefix, and for each op that cannot follow
 * it, the last state that would accept it and the ops that changed the state since.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, explainEvidence, getModel, toModelOp, type AnyModel, type PartitionEvidence } from '../../src/checkers/linearizability/index.js';
import { pairOperations } from '../../src/core/history.js';
import { buildHistory, type OpSpec } from './support.js';

function evidenceOf(specs: readonly OpSpec[], model: AnyModel): PartitionEvidence {
  const result = checkLinearizability(pairOperations(buildHistory(specs)), model);
  if (result.kind !== 'not-linearizable') throw new Error(`expected a violation, got ${result.kind}`);
  return result.evidence[0]!;
}

describe('explainEvidence', () => {
  const register = getModel('cas-register')!;

  it('a stale read: needs the state after the write it saw; the writes after it conflict', () => {
    const evidence = evidenceOf(
      [
        { process: 0, f: 'write', input: 1, start: 0, end: 10 },
        { process: 0, f: 'write', input: 2, start: 20, end: 30 },
        { process: 1, f: 'write', input: 3, start: 40, end: 50 },
        { process: 1, f: 'read', output: 1, start: 60, end: 70 },
      ],
      register,
    );
    const x = explainEvidence(evidence, register);
    expect(x.prefixLength).toBe(3);
    expect(x.steps.map((s) => [s.position, s.op.input, s.stateAfter, s.changed])).toEqual([
      [1, 1, '1', true],
      [2, 2, '2', true],
      [3, 3, '3', true],
    ]);
    expect(x.stuck).toHaveLength(1);
    expect(x.stuck[0]).toMatchObject({ why: 'rejected', acceptedAfter: 1, acceptedState: '1', conflicts: [2, 3] });
  });

  it('a read of a value never written: no state along the prefix accepts it', () => {
    const x = explainEvidence(
      evidenceOf(
        [
          { process: 0, f: 'write', input: 1, start: 0, end: 10 },
          { process: 1, f: 'read', output: 7, start: 20, end: 30 },
        ],
        register,
      ),
      register,
    );
    expect(x.stuck[0]!.acceptedAfter).toBeUndefined();
    expect(x.stuck[0]!.conflicts).toEqual([]);
  });

  it('a kv violation is explained per key, with the key\'s register states', () => {
    const kv = getModel('kv')!;
    const x = explainEvidence(
      evidenceOf(
        [
          { process: 0, f: 'write', key: 'a', input: 1, start: 0, end: 10 },
          { process: 0, f: 'write', key: 'b', input: 5, start: 12, end: 18 },
          { process: 0, f: 'write', key: 'a', input: 2, start: 20, end: 30 },
          { process: 1, f: 'read', key: 'a', output: 1, start: 40, end: 50 },
        ],
        kv,
      ),
      kv,
    );
    expect(x.key).toBe('a');
    expect(x.steps.map((s) => s.stateAfter)).toEqual(['1', '2']);
    expect(x.stuck[0]).toMatchObject({ acceptedAfter: 1, conflicts: [2] });
  });

  it('keeps the tail of a long prefix, plus the steps a stuck op points back to', () => {
    const specs: OpSpec[] = [{ process: 0, f: 'write', input: 0, start: 0, end: 5 }];
    for (let i = 1; i <= 60; i++) specs.push({ process: 0, f: 'read', output: 0, start: i * 10, end: i * 10 + 5 });
    specs.push({ process: 0, f: 'write', input: 9, start: 700, end: 705 }, { process: 1, f: 'read', output: 0, start: 710, end: 720 });
    const x = explainEvidence(evidenceOf(specs, register), register);
    expect(x.prefixLength).toBe(62);
    const positions = x.steps.map((s) => s.position);
    expect(positions.length).toBeLessThanOrEqual(41);
    expect(positions.at(-1)).toBe(62);
    expect(x.stuck[0]).toMatchObject({ acceptedAfter: 61, conflicts: [62] });
  });

  // Property: over random small register histories, whatever the checker rejects is explained
  // consistently with the model: the accepting state is the last one along the prefix that takes
  // the op, every later state rejects it, and the conflicts are exactly the state changes since.
  it('explanations agree with the model on random histories (seed 7)', () => {
    const spec = fc.record({
      process: fc.integer({ min: 0, max: 2 }),
      write: fc.boolean(),
      value: fc.integer({ min: 0, max: 3 }),
      start: fc.integer({ min: 0, max: 100 }),
      length: fc.integer({ min: 1, max: 30 }),
    });
    let explained = 0;
    fc.assert(
      fc.property(fc.array(spec, { minLength: 2, maxLength: 7 }), (raw) => {
        // One op at a time per process: each process's ops run back to back.
        const until = new Map<number, number>();
        const specs: OpSpec[] = raw.map((r) => {
          const start = Math.max(r.start, (until.get(r.process) ?? -1) + 1);
          until.set(r.process, start + r.length);
          return r.write ? { process: r.process, f: 'write', input: r.value, start, end: start + r.length } : { process: r.process, f: 'read', output: r.value, start, end: start + r.length };
        });
        const result = checkLinearizability(pairOperations(buildHistory(specs)), register);
        if (result.kind !== 'not-linearizable') return;
        explained++;
        const evidence = result.evidence[0]!;
        const x = explainEvidence(evidence, register);
        expect(x.prefixLength).toBe(evidence.longestPrefix.length);
        const states: unknown[] = [register.init()];
        for (const op of evidence.longestPrefix) {
          const step = register.step(states.at(-1), toModelOp(op));
          states.push(step.ok ? step.nextState : states.at(-1));
        }
        for (const s of x.stuck) {
          const accepts = states.map((state) => register.step(state, toModelOp(s.op)).ok);
          const last = accepts.lastIndexOf(true);
          expect(s.acceptedAfter ?? -1).toBe(last);
          if (last === -1) continue;
          const changes = states.map((state, p) => p > last && JSON.stringify(state) !== JSON.stringify(states[p - 1])).flatMap((c, p) => (c ? [p] : []));
          expect(s.conflicts).toEqual(changes);
        }
      }),
      { seed: 7, numRuns: 300 },
    );
    expect(explained).toBeGreaterThan(20);
  });
});
