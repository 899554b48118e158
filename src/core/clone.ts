/**
 * Deep copy of plain data (what protocols persist). Faster than structuredClone for the small
 * objects and arrays protocols use, and it keeps Maps and Sets.
 *
 * Frozen objects are shared, not copied, nested values included (Object.freeze is shallow: freeze
 * only what you never mutate, inside too). This is how a
 * protocol keeps persisting cheap as its durable state grows: persist frozen segments (log
 * entries, chunks of a set, a snapshot) and only the new ones, plus the small mutable spine, are
 * new work for each persist.
 */
export function clonePlain<T>(value: T): T {
  return cloneAny(value, 0) as T;
}

const MAX_DEPTH = 200;

function cloneAny(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (depth > MAX_DEPTH) throw new Error('clonePlain: data nested deeper than 200 levels (a cycle?)');
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneAny(value[i], depth + 1);
    return out;
  }
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) out.set(k, cloneAny(v, depth + 1));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set<unknown>();
    for (const v of value) out.add(cloneAny(v, depth + 1));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = cloneAny((value as Record<string, unknown>)[key], depth + 1);
  return out;
}
