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
  try {
    return cloneAny(value, 0) as T;
  } catch (error) {
    // Explained from the top: the cycle's path starts at the value handed in.
    if (error === TOO_DEEP) throw new PlainDataError(`not plain data: ${explainTooDeep(value)}`);
    throw error;
  }
}

/** Thrown inside the recursion, turned into a PlainDataError by its caller. */
const TOO_DEEP = new Error('too deep');

/** Deepest nesting plain data may have (persisted values, messages, replies): deeper is a cycle or a bug. */
export const PLAIN_DATA_MAX_DEPTH = 200;

/**
 * Data a protocol handed the kernel that is not plain data: it contains itself, or is nested
 * deeper than PLAIN_DATA_MAX_DEPTH. A finding about the protocol, never a dsim error.
 */
export class PlainDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlainDataError';
  }
}

/** Why `value` is too deep: a cycle (named by its path) or plain depth. Only called on failure. */
export function explainTooDeep(value: unknown): string {
  const path: string[] = [];
  const onPath = new Set<object>();
  const walk = (v: unknown, depth: number): string | undefined => {
    if (typeof v !== 'object' || v === null) return undefined;
    if (onPath.has(v)) return `it contains itself (a cycle at ${path.join('') || 'the top'})`;
    if (depth > PLAIN_DATA_MAX_DEPTH) return `it is nested deeper than ${PLAIN_DATA_MAX_DEPTH} levels`;
    onPath.add(v);
    const entries: Iterable<[unknown, unknown]> =
      v instanceof Map ? v.entries() : v instanceof Set ? [...v].map((x, i) => [i, x] as [unknown, unknown]) : Object.entries(v);
    for (const [k, child] of entries) {
      path.push(Array.isArray(v) || v instanceof Set ? `[${String(k)}]` : `.${typeof k === 'string' ? k : typeof k}`);
      const found = walk(child, depth + 1);
      if (found !== undefined) return found;
      path.pop();
    }
    onPath.delete(v);
    return undefined;
  };
  return walk(value, 0) ?? `it is nested deeper than ${PLAIN_DATA_MAX_DEPTH} levels`;
}

function cloneAny(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (depth > PLAIN_DATA_MAX_DEPTH) throw TOO_DEEP;
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
