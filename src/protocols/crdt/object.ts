/**
 * The replicated object a store keeps per key, whatever the conflict rule: one tagged union over
 * the CRDTs above, with the three things replication needs: mint an update (a delta: a small state
 * of the same kind), merge two states, and show the value a client reads.
 *
 * Every update is a delta merged into the replicas, never an instruction replayed, so duplicated,
 * reordered and resent messages are harmless: merges are idempotent, commutative and associative.
 */
import type { NodeId } from '../../core/ids.js';
import { hash32 } from '../common/ring.js';
import { mergeVersions, type VersionVector } from '../common/version-vector.js';
import { canonical, sortedUnique } from './canonical.js';
import { lwwMerge, lwwWrite, type LwwRegister } from './lww-register.js';
import { mvContext, mvMerge, mvValues, mvWrite, EMPTY_MVREGISTER, type MvRegister } from './mv-register.js';
import { orsetAddDelta, orsetElements, orsetMerge, type OrSet } from './or-set.js';
import { pncounterAdd, pncounterMerge, pncounterOwnDelta, pncounterValue, EMPTY_PNCOUNTER, type PnCounter } from './pn-counter.js';

/** The client-facing data model a store serves. */
export type DataModel = 'kv' | 'counter' | 'set';

export type ObjectKind = 'lww' | 'mv' | 'pn' | 'orset';

export type ReplicatedObject =
  | { readonly kind: 'lww'; readonly reg: LwwRegister }
  | { readonly kind: 'mv'; readonly reg: MvRegister }
  | { readonly kind: 'pn'; readonly counter: PnCounter }
  | { readonly kind: 'orset'; readonly set: OrSet };

/**
 * What a node needs to mint updates, durable so that nothing is minted twice across a crash:
 * its dot counter, its last timestamp, and (for counters) its own running totals.
 */
export interface Minter {
  counter: number;
  lastTimestampUs: number;
  own: PnCounter;
}

export function newMinter(): Minter {
  return { counter: 0, lastTimestampUs: 0, own: EMPTY_PNCOUNTER };
}

export function mergeObjects(a: ReplicatedObject, b: ReplicatedObject): ReplicatedObject {
  switch (a.kind) {
    case 'lww':
      return b.kind === 'lww' ? { kind: 'lww', reg: lwwMerge(a.reg, b.reg) } : kindClash(a, b);
    case 'mv':
      return b.kind === 'mv' ? { kind: 'mv', reg: mvMerge(a.reg, b.reg) } : kindClash(a, b);
    case 'pn':
      return b.kind === 'pn' ? { kind: 'pn', counter: pncounterMerge(a.counter, b.counter) } : kindClash(a, b);
    case 'orset':
      return b.kind === 'orset' ? { kind: 'orset', set: orsetMerge(a.set, b.set) } : kindClash(a, b);
  }
}

function kindClash(a: ReplicatedObject, b: ReplicatedObject): never {
  throw new Error(`cannot merge a ${a.kind} object with a ${b.kind} object (nodes configured differently?)`);
}

export function mergeOptional(a: ReplicatedObject | undefined, b: ReplicatedObject | undefined): ReplicatedObject | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return mergeObjects(a, b);
}

/** Equal as data (states are kept in canonical order). */
export function sameObject(a: ReplicatedObject | undefined, b: ReplicatedObject | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonical(a) === canonical(b);
}

/** A 32-bit digest of a key's object, for anti-entropy: equal objects, equal digests. */
export function objectDigest(key: string, obj: ReplicatedObject): number {
  return hash32(`${key}=${canonical(obj)}`);
}

/**
 * The value a client reads. kv: the value, null when absent, or the sorted array of siblings when
 * concurrent writes survive; counter: the number; set: the sorted elements (siblings unioned, as a
 * shopping cart would).
 */
export function clientValue(obj: ReplicatedObject | undefined, model: DataModel): unknown {
  if (obj === undefined) return model === 'counter' ? 0 : model === 'set' ? [] : null;
  switch (obj.kind) {
    case 'lww':
      return obj.reg.value;
    case 'mv': {
      const values = mvValues(obj.reg);
      if (model === 'set') return sortedUnique(values.flatMap((v) => (Array.isArray(v) ? v : [])));
      if (values.length === 0) return null;
      return values.length === 1 ? values[0] : sortedUnique(values);
    }
    case 'pn':
      return pncounterValue(obj.counter);
    case 'orset':
      return orsetElements(obj.set);
  }
}

/** The object kind for a data model under a conflict rule. */
export function objectKindFor(model: DataModel, rule: 'lww' | 'version-vector' | 'crdt', kvRegister: 'lww' | 'mv' = 'mv'): ObjectKind {
  switch (model) {
    case 'kv':
      return rule === 'lww' ? 'lww' : rule === 'version-vector' ? 'mv' : kvRegister;
    case 'counter':
      return 'pn';
    case 'set':
      return rule === 'lww' ? 'lww' : rule === 'version-vector' ? 'mv' : 'orset';
  }
}

export interface MintRequest {
  readonly kind: ObjectKind;
  readonly model: DataModel;
  /** write: the value; add: the amount (counter) or element (set). */
  readonly argument: unknown;
  /** What the minting node holds for the key (its replica, if any). */
  readonly local: ReplicatedObject | undefined;
  /** Versions seen elsewhere (e.g. by reads); a version-vector write descends from these too. */
  readonly seen?: VersionVector;
  readonly self: NodeId;
  /** The node's clock reading, for timestamps. */
  readonly nowUs: number;
}

/**
 * Mints one update as a delta, advancing the node's minter (which the caller must persist before
 * the delta leaves). LWW timestamps are the node's clock, made strictly increasing per node.
 */
export function mintUpdate(req: MintRequest, minter: Minter): ReplicatedObject {
  switch (req.kind) {
    case 'lww': {
      const timestampUs = Math.max(req.nowUs, minter.lastTimestampUs + 1);
      minter.lastTimestampUs = timestampUs;
      const value = req.model === 'set' ? sortedUnique([...(clientValue(req.local, 'set') as unknown[]), req.argument]) : req.argument;
      return { kind: 'lww', reg: lwwWrite(value, timestampUs, req.self) };
    }
    case 'mv': {
      minter.counter++;
      const localReg = req.local?.kind === 'mv' ? req.local.reg : EMPTY_MVREGISTER;
      const context = mergeVersions(mvContext(localReg), req.seen ?? {});
      const value = req.model === 'set' ? sortedUnique([...(clientValue(req.local, 'set') as unknown[]), req.argument]) : req.argument;
      return { kind: 'mv', reg: mvWrite(context, value, req.self, minter.counter) };
    }
    case 'pn': {
      const amount = typeof req.argument === 'number' ? req.argument : 1;
      minter.own = pncounterAdd(minter.own, req.self, amount);
      return { kind: 'pn', counter: pncounterOwnDelta(minter.own, req.self) };
    }
    case 'orset': {
      minter.counter++;
      return { kind: 'orset', set: orsetAddDelta(req.argument, { origin: req.self, counter: minter.counter }) };
    }
  }
}

/** The version context of an object (mv only; others carry none). */
export function objectVersions(obj: ReplicatedObject | undefined): VersionVector {
  return obj?.kind === 'mv' ? mvContext(obj.reg) : {};
}
