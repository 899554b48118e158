/**
 * Reads violation evidence whatever its shape. Checks return evidence as plain JSON of their own
 * design (ops, node ids, lost values, findings with a message), so this walks it generically and
 * collects what a picture can point at: nodes, ops (by process and whatever else identifies them),
 * values, terms and times. Bounded: a huge evidence value is sampled, never walked whole.
 */

/** What identifies one op in evidence: a process plus any of the other fields. */
export interface OpRef {
  readonly process: number;
  readonly f?: string;
  readonly key?: string;
  readonly outcome?: string;
  readonly value?: unknown;
  readonly invokeTimeUs?: number;
  readonly completeTimeUs?: number;
}

export interface EvidenceFacts {
  readonly nodes: Set<string>;
  readonly ops: OpRef[];
  /** Values named by the evidence (lost writes, missing broadcast values). */
  readonly values: Set<string>;
  /** Values tied to one node ("n3 misses 4, 5"): what that node should have received. */
  readonly nodeValues: Map<string, Set<string>>;
  readonly terms: Set<number>;
  readonly timesUs: Set<number>;
}

export function emptyFacts(): EvidenceFacts {
  return { nodes: new Set(), ops: [], values: new Set(), nodeValues: new Map(), terms: new Set(), timesUs: new Set() };
}

/** Adds everything `from` names to `into`. */
export function mergeFacts(into: EvidenceFacts, from: EvidenceFacts): void {
  for (const n of from.nodes) into.nodes.add(n);
  for (const ref of from.ops) if (into.ops.length < MAX_OPS) into.ops.push(ref);
  for (const v of from.values) if (into.values.size < MAX_VALUES) into.values.add(v);
  for (const [node, values] of from.nodeValues) into.nodeValues.set(node, new Set([...(into.nodeValues.get(node) ?? []), ...values]));
  for (const t of from.terms) into.terms.add(t);
  for (const t of from.timesUs) into.timesUs.add(t);
}

const MAX_VISITS = 20_000;
const MAX_DEPTH = 10;
const MAX_OPS = 200;
const MAX_VALUES = 1_000;
/**
 * Keys whose contents are context, not the culprit: a linearizability search's longest good prefix
 * and its explanation (the report draws the explanation's roles itself).
 */
const SKIP_KEYS = new Set(['longestPrefix', 'prefix', 'stack', 'stateAfterPrefix', 'view', 'stats', 'explanation']);
/** Keys whose strings are prose that may name nodes and terms. */
const PROSE_KEYS = new Set(['message', 'detail', 'description', 'event', 'error', 'reason']);
const TIME_KEYS = new Set(['timeUs', 'invokeTimeUs', 'completeTimeUs', 'completedUs', 'atUs', 't']);
const VALUE_KEYS = new Set(['value', 'values', 'lost', 'missing', 'lostValues', 'missingValues']);

/** A stable comparable form of a value, for matching evidence values against ops and messages. */
export function valueKey(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return `${typeof value}:${String(value)}`;
  if (value === null) return 'null';
  try {
    return `json:${JSON.stringify(value)}`;
  } catch {
    return 'unprintable';
  }
}

/** Scans prose for node ids (only ids that exist in the run) and "term 3" mentions. */
export function scanProse(text: string, knownNodes: ReadonlySet<string>, into: EvidenceFacts): void {
  for (const match of text.matchAll(/\b([a-z][a-z0-9_-]*\d+)\b/gi)) {
    const id = match[1]!;
    if (knownNodes.has(id)) into.nodes.add(id);
  }
  for (const match of text.matchAll(/\bterms?\s*[=:#]?\s*(\d+)/gi)) into.terms.add(Number(match[1]));
}

/** Walks one evidence value and adds what it names to `into`. */
export function collectEvidence(evidence: unknown, knownNodes: ReadonlySet<string>, into: EvidenceFacts): void {
  let visits = 0;
  const visit = (value: unknown, key: string | undefined, depth: number): void => {
    if (visits++ > MAX_VISITS || depth > MAX_DEPTH) return;
    if (typeof value === 'string') {
      if (knownNodes.has(value)) into.nodes.add(value);
      else if (key !== undefined && PROSE_KEYS.has(key)) scanProse(value, knownNodes, into);
      else if (key !== undefined && VALUE_KEYS.has(key) && into.values.size < MAX_VALUES) into.values.add(valueKey(value));
      return;
    }
    if (typeof value === 'number') {
      if (key === undefined) return;
      if (TIME_KEYS.has(key) && Number.isFinite(value)) into.timesUs.add(value);
      else if (key === 'term') into.terms.add(value);
      else if (VALUE_KEYS.has(key) && into.values.size < MAX_VALUES) into.values.add(valueKey(value));
      return;
    }
    if (Array.isArray(value)) {
      // An array under a value key lists values (a broadcast's missing values); sample long ones.
      const step = value.length > 500 ? Math.ceil(value.length / 500) : 1;
      for (let i = 0; i < value.length; i += step) visit(value[i], key, depth + 1);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    const ref = opRefOf(record);
    if (ref !== undefined) {
      if (into.ops.length < MAX_OPS) into.ops.push(ref);
      for (const t of [ref.invokeTimeUs, ref.completeTimeUs]) if (t !== undefined && Number.isFinite(t)) into.timesUs.add(t);
    }
    const node = record['node'];
    if (ref === undefined && typeof node === 'string' && knownNodes.has(node)) {
      // { node, values }: the values this node lacks (or holds wrongly).
      const own = new Set<string>();
      for (const [k, v] of Object.entries(record)) if (VALUE_KEYS.has(k)) for (const item of Array.isArray(v) ? v.slice(0, 500) : [v]) own.add(valueKey(item));
      if (own.size > 0) into.nodeValues.set(node, new Set([...(into.nodeValues.get(node) ?? []), ...own]));
    }
    for (const [k, v] of Object.entries(record)) {
      if (SKIP_KEYS.has(k)) continue;
      // An op's own value identifies the op; it is not a "value the run lost" unless the key says so.
      if (ref !== undefined && (k === 'value' || k === 'input' || k === 'output')) continue;
      visit(v, k, depth + 1);
    }
  };
  visit(evidence, undefined, 0);
}

/** An object that looks like an op: a numeric process, plus an op name or an outcome. */
function opRefOf(record: Record<string, unknown>): OpRef | undefined {
  const process = record['process'];
  if (typeof process !== 'number') return undefined;
  const ref: { -readonly [K in keyof OpRef]: OpRef[K] } = { process };
  if (typeof record['f'] === 'string') ref.f = record['f'];
  if (typeof record['key'] === 'string') ref.key = record['key'];
  if (typeof record['outcome'] === 'string') ref.outcome = record['outcome'];
  const invoke = record['invokeTimeUs'];
  if (typeof invoke === 'number') ref.invokeTimeUs = invoke;
  const complete = record['completeTimeUs'] ?? record['completedUs'];
  if (typeof complete === 'number') ref.completeTimeUs = complete;
  // An Operation carries `input`; a history event or a compact ref carries `value`.
  if ('input' in record) ref.value = record['input'];
  else if ('value' in record && record['type'] !== 'ok') ref.value = record['value'];
  return ref;
}

/** The fields an op in the report exposes for matching. */
export interface MatchableOp {
  readonly process: number;
  readonly f: string;
  readonly key?: string;
  readonly outcome: string;
  readonly input: unknown;
  readonly invokeTimeUs?: number;
  readonly completeTimeUs?: number;
}

/**
 * The ops an evidence reference names. Every field the reference carries must agree; when a
 * reference still fits several ops (a process's many reads of one key), the last one is the
 * likeliest culprit, since a process that ended `info` stops there.
 */
export function matchOps<T extends MatchableOp>(ref: OpRef, byProcess: ReadonlyMap<number, readonly T[]>): T[] {
  const candidates = byProcess.get(ref.process) ?? [];
  const refValue = ref.value === undefined ? undefined : valueKey(ref.value);
  const fits = candidates.filter(
    (op) =>
      (ref.f === undefined || op.f === ref.f) &&
      (ref.key === undefined || op.key === ref.key) &&
      (ref.outcome === undefined || op.outcome === ref.outcome) &&
      (ref.invokeTimeUs === undefined || op.invokeTimeUs === ref.invokeTimeUs) &&
      (ref.completeTimeUs === undefined || op.completeTimeUs === ref.completeTimeUs) &&
      (refValue === undefined || valueKey(op.input) === refValue),
  );
  return fits.length <= 1 ? fits : [fits[fits.length - 1]!];
}

/** True when `msg` contains one of `values` (a bounded walk: depth 4, 300 items per array). */
export function containsValue(msg: unknown, values: ReadonlySet<string>, depth = 0): boolean {
  if (values.size === 0 || depth > 4) return false;
  if (msg === null || typeof msg !== 'object') return values.has(valueKey(msg));
  if (Array.isArray(msg)) {
    const n = Math.min(msg.length, 300);
    for (let i = 0; i < n; i++) if (containsValue(msg[i], values, depth + 1)) return true;
    return false;
  }
  if (msg instanceof Set) return containsValue([...msg], values, depth);
  if (msg instanceof Map) return containsValue([...msg.values()], values, depth);
  for (const v of Object.values(msg as Record<string, unknown>)) if (containsValue(v, values, depth + 1)) return true;
  return false;
}
