/**
 * Plain data as compact JSON of at most `max` characters, for humans (trace lines, reports).
 * It stops writing once past the limit, so a huge value costs what is shown, not its whole size;
 * Maps and Sets show as objects and arrays, cycles as "[…]".
 */
export function shortJson(value: unknown, max: number): string {
  const parts: string[] = [];
  let length = 0;
  const push = (text: string): boolean => {
    parts.push(text);
    length += text.length;
    return length <= max;
  };
  const seen = new Set<object>();
  const write = (v: unknown, depth: number): boolean => {
    if (v === null || v === undefined) return push(v === null ? 'null' : 'undefined');
    switch (typeof v) {
      case 'string':
        return push(JSON.stringify(v.length > max ? v.slice(0, max) : v));
      case 'number':
        return push(Number.isFinite(v) ? String(v) : 'null');
      case 'boolean':
        return push(String(v));
      case 'bigint':
        return push(`${v}`);
      case 'object':
        break;
      default:
        return push(JSON.stringify(String(v)));
    }
    const obj = v as object;
    if (seen.has(obj) || depth > 20) return push('"[…]"');
    seen.add(obj);
    let ok = true;
    if (Array.isArray(obj) || obj instanceof Set) {
      ok = push('[');
      let first = true;
      for (const item of obj as Iterable<unknown>) {
        if (!ok) break;
        if (!first) ok = push(',');
        first = false;
        ok = ok && write(item, depth + 1);
      }
      ok = ok && push(']');
    } else {
      const entries: Iterable<[unknown, unknown]> = obj instanceof Map ? obj.entries() : Object.entries(obj);
      ok = push('{');
      let first = true;
      for (const [k, item] of entries) {
        if (!ok) break;
        if (item === undefined || typeof item === 'function') continue;
        if (!first) ok = push(',');
        first = false;
        ok = ok && push(JSON.stringify(String(k)) + ':') && write(item, depth + 1);
      }
      ok = ok && push('}');
    }
    seen.delete(obj);
    return ok;
  };
  write(value, 0);
  const text = parts.join('');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/**
 * JSON.stringify's replacer for data from protocols: BigInts as `"123n"` (JSON has none), Maps as
 * objects, Sets as arrays. Functions and symbols are dropped, as JSON.stringify drops them.
 */
export function plainJsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/**
 * JSON text of anything a protocol may have put in a result (evidence, values, errors): never
 * throws. A value that refers to itself is written once and `"[cycle]"` where it recurs.
 */
export function jsonText(value: unknown, space?: number): string {
  try {
    return JSON.stringify(value, plainJsonReplacer, space) ?? 'null';
  } catch {
    const seen = new WeakSet<object>();
    const once = (key: string, v: unknown): unknown => {
      const plain = plainJsonReplacer(key, v);
      if (typeof plain !== 'object' || plain === null) return plain;
      if (seen.has(plain)) return '[cycle]';
      seen.add(plain);
      return plain;
    };
    try {
      return JSON.stringify(value, once, space) ?? 'null';
    } catch (error) {
      return JSON.stringify({ unserializable: String((error as Error).message) });
    }
  }
}
