/**
 * A check's evidence as a table a person reads, instead of minified JSON: a convergence failure as
 * a diff (one row per key the nodes disagree on, one column per group of nodes holding the same
 * state), a list of records as rows, a record as field/value pairs. Bounded; clients are named as
 * their lanes are (a `process` field becomes `client`).
 */
import { shortJson } from '../core/short-json.js';

export interface EvidenceTable {
  readonly caption: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly string[]>;
  /** Rows left out. */
  readonly more: number;
}

const MAX_ROWS = 20;
const MAX_COLUMNS = 8;
const CELL_CHARS = 80;

export function evidenceTable(evidence: unknown, clientOf: (process: number) => string): EvidenceTable | null {
  if (evidence === undefined || evidence === null) return null;
  const converged = convergedDiff(evidence);
  if (converged !== null) return converged;
  // A linearizability counterexample has its own view (the linearization).
  if (Array.isArray(evidence) && evidence.some((e) => typeof e === 'object' && e !== null && 'longestPrefix' in e)) return null;
  if (Array.isArray(evidence)) {
    const records = evidence.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && !Array.isArray(e));
    if (records.length === 0) return { caption: 'values', columns: ['value'], rows: evidence.slice(0, MAX_ROWS).map((v) => [cell(v)]), more: Math.max(0, evidence.length - MAX_ROWS) };
    const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].slice(0, MAX_COLUMNS);
    return {
      caption: `${records.length} item${records.length === 1 ? '' : 's'}`,
      columns: keys.map((k) => (k === 'process' ? 'client' : k)),
      rows: records.slice(0, MAX_ROWS).map((r) => keys.map((k) => (k === 'process' && typeof r[k] === 'number' ? clientOf(r[k]) : k in r ? cell(r[k]) : ''))),
      more: Math.max(0, records.length - MAX_ROWS),
    };
  }
  if (typeof evidence === 'object') {
    const entries = Object.entries(evidence as Record<string, unknown>);
    return {
      caption: 'fields',
      columns: ['field', 'value'],
      rows: entries.slice(0, MAX_ROWS).map(([k, v]) => (k === 'process' && typeof v === 'number' ? ['client', clientOf(v)] : [k, cell(v)])),
      more: Math.max(0, entries.length - MAX_ROWS),
    };
  }
  return { caption: 'value', columns: ['value'], rows: [[cell(evidence)]], more: 0 };
}

/** `{ groups: [{ nodes, view }], differences: [{ key, values }] }`: which node holds what. */
function convergedDiff(evidence: unknown): EvidenceTable | null {
  if (typeof evidence !== 'object' || evidence === null || Array.isArray(evidence)) return null;
  const { groups, differences } = evidence as { groups?: unknown; differences?: unknown };
  if (!Array.isArray(groups) || !Array.isArray(differences)) return null;
  const heads = groups.map((g) => (Array.isArray((g as { nodes?: unknown }).nodes) ? ((g as { nodes: string[] }).nodes).join(', ') : '?'));
  if (differences.length === 0) {
    return { caption: 'the state each group of nodes holds', columns: ['nodes', 'state'], rows: groups.map((g, i) => [heads[i]!, cell((g as { view?: unknown }).view)]), more: 0 };
  }
  return {
    caption: 'where the nodes disagree: each key (or element) with what each group of nodes holds',
    columns: ['key', ...heads.map((h) => `held by ${h}`)],
    rows: differences.slice(0, MAX_ROWS).map((d) => {
      const { key, values } = d as { key?: unknown; values?: unknown[] };
      return [typeof key === 'string' ? key : cell(key), ...(values ?? []).map((v) => (v === null ? '(missing)' : typeof v === 'string' ? v : cell(v)))];
    }),
    more: Math.max(0, differences.length - MAX_ROWS),
  };
}

function cell(value: unknown): string {
  if (typeof value === 'string') return value.length > CELL_CHARS ? `${value.slice(0, CELL_CHARS - 1)}…` : value;
  return shortJson(value, CELL_CHARS);
}
