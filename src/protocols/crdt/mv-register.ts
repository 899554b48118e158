/**
 * MV-Register (multi-value): every write carries a version vector; merge keeps the values whose
 * versions no other value's version descends from. Concurrent writes survive side by side as
 * siblings until a write that has seen them all replaces them.
 */
import type { NodeId } from '../../core/ids.js';
import { compareVersions, mergeVersions, withEntry, formatVersion, type VersionVector } from '../common/version-vector.js';
import { canonical } from './canonical.js';

export interface MvEntry {
  readonly value: unknown;
  readonly version: VersionVector;
}

export interface MvRegister {
  /** Sorted by (value, version) canonical form: equal registers are equal data. */
  readonly entries: readonly MvEntry[];
}

export const EMPTY_MVREGISTER: MvRegister = { entries: [] };

function entryKey(e: MvEntry): string {
  return `${canonical(e.value)}@${formatVersion(e.version)}`;
}

function normalize(entries: readonly MvEntry[]): MvRegister {
  const unique = new Map<string, MvEntry>();
  for (const e of entries) unique.set(entryKey(e), e);
  const list = [...unique.values()];
  const kept = list.filter((e) => !list.some((o) => o !== e && compareVersions(e.version, o.version) === 'before'));
  kept.sort((a, b) => {
    const ka = entryKey(a);
    const kb = entryKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return { entries: kept };
}

/** Everything this register has seen: the context a new write must descend from. */
export function mvContext(reg: MvRegister): VersionVector {
  return reg.entries.reduce<VersionVector>((acc, e) => mergeVersions(acc, e.version), {});
}

/**
 * A write by `node` that has seen `context`: its version is the context with the node's entry
 * raised to `counter`, a number the node never used before (it must grow across crashes).
 */
export function mvWrite(context: VersionVector, value: unknown, node: NodeId, counter: number): MvRegister {
  return { entries: [{ value, version: withEntry(context, node, counter) }] };
}

export function mvMerge(a: MvRegister, b: MvRegister): MvRegister {
  return normalize([...a.entries, ...b.entries]);
}

export function mvValues(reg: MvRegister): unknown[] {
  return reg.entries.map((e) => e.value);
}
