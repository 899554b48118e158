/**
 * Unique ids, as Jepsen's unique-ids workload: `generate` returns an id no other `generate`
 * returned. As a sequential object: the set of ids handed out, and a generate is legal when its
 * id is not in it yet.
 *
 * Order never matters for this object, so the history splits per id (P-compositionality) and
 * each part is checked with a one-bit model: linearizable iff at most one generate returned that
 * id. An indeterminate generate returned nothing anyone saw: it constrains nothing and is dropped.
 */
import { canonicalJson } from '../../core/canonical.js';
import type { Operation } from '../../core/history.js';
import { REJECT, showValue } from './model.js';
import type { Model } from './model.js';

/** The ids handed out, as canonical encodings, sorted. */
export type UniqueIdsState = readonly string[];

const ISSUED = { ok: true, nextState: true } as const;
const validate = (op: { readonly f: string }): string | undefined =>
  op.f === 'generate' ? undefined : `unknown op f=${JSON.stringify(op.f)} (expected generate)`;

/** One id: has it been handed out? */
function createUniqueIdModel(): Model<boolean> {
  return {
    name: 'unique-id',
    init: () => false,
    step: (issued, op) => (op.f !== 'generate' || (issued && op.known) ? REJECT : ISSUED),
    hash: (issued) => (issued ? 1 : 0),
    validate,
    readOnly: () => true,
    describeState: (issued) => (issued ? 'issued' : 'not issued'),
  };
}

export function createUniqueIdsModel(): Model<UniqueIdsState> {
  return {
    name: 'unique-ids',
    description: 'unique ids: generate (result: an id never returned before)',
    init: () => [],
    step(issued, op) {
      if (op.f !== 'generate') return REJECT;
      if (!op.known) return { ok: true, nextState: issued };
      const id = canonicalJson(op.output);
      let lo = 0;
      let hi = issued.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (issued[mid]! < id) lo = mid + 1;
        else hi = mid;
      }
      if (issued[lo] === id) return REJECT;
      return { ok: true, nextState: [...issued.slice(0, lo), id, ...issued.slice(lo)] };
    },
    equal: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]),
    hash(issued) {
      let h = 0x811c9dc5 ^ issued.length;
      for (const id of issued) for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
      return h | 0;
    },
    partition(ops) {
      const groups = new Map<string, Operation[]>();
      for (const op of ops) {
        const id = canonicalJson(op.output);
        let group = groups.get(id);
        if (group === undefined) {
          group = [];
          groups.set(id, group);
        }
        group.push(op);
      }
      return [...groups.values()];
    },
    partitionModel: createUniqueIdModel(),
    validate,
    readOnly: () => true,
    describeState: (issued) => `#{${issued.map((id) => showValue(JSON.parse(id) as unknown)).join(' ')}}`,
  };
}
