/**
 * Canonical JSON: object keys sorted, Sets as sorted arrays, Maps as sorted [key, value] pairs.
 * Equal data gives equal text on every node and in every checker, so it serves for equality,
 * sorting and hashing alike. The one implementation in dsim: protocols, CRDTs and checkers share it.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Set) return `[${[...value].map(canonicalJson).sort().join(',')}]`;
  if (value instanceof Map) return `[${[...value].map(([k, v]) => `[${canonicalJson(k)},${canonicalJson(v)}]`).sort().join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
      .join(',')}}`;
  }
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? 'null';
}
