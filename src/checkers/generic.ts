/**
 * Checks every replicated store can be judged by, whatever its protocol: durability of
 * acknowledged writes (from the final reads), convergence of node views, and liveness after heal.
 * Pure functions of the history and final states.
 */
import type { Operation } from '../core/history.js';
import type { CheckVerdict } from '../core/protocol.js';
import { canonicalJson } from '../core/canonical.js';
import { plural } from '../core/plural.js';

/** The value a successful write-like op leaves behind (write: its value; cas: the new value). */
function writtenValue(op: Operation): unknown {
  if (op.f === 'write' || op.f === 'put') return op.input;
  if (op.f === 'cas' && Array.isArray(op.input)) return op.input[1];
  return undefined;
}

function isWrite(op: Operation): boolean {
  return op.f === 'write' || op.f === 'put' || op.f === 'cas';
}

/**
 * Durability: for each key, the final read (issued after heal) must not be older than any
 * acknowledged write. With unique written values, the final value names the write W that produced
 * it; an acknowledged write A invoked after W completed must have overwritten W, so seeing W's value
 * means A was lost. A final value of null (the initial state) loses every acknowledged write.
 */
/** `clientOf` names a process in the detail (`c3`; default `p3`). */
export function checkDurable(ops: readonly Operation[], finalReadFromUs: number, clientOf: (process: number) => string = (p) => `p${p}`): CheckVerdict {
  const tracker = new DurabilityTracker(finalReadFromUs);
  for (const op of ops) tracker.add(op);
  return tracker.verdict(clientOf);
}

/** What durability needs of one key: O(1) apart from the writes that may still be a final value's source. */
interface KeyDurability {
  acked: number;
  /** The acknowledged write invoked last (ids are in invocation order). */
  latestAcked: Operation | undefined;
  /** The first write (not failed) of each value, with when it completed (Infinity: indeterminate). */
  sources: Map<string, { op: Operation; completeUs: number }>;
  /** Sources at the last pruning. */
  sourcesAfterPrune: number;
  /** The last final read (invoked at or after the final-read time) that completed ok. */
  finalRead: Operation | undefined;
}

/**
 * Durability judged op by op, in memory bounded by the keys (a run of any length streams its ops
 * through it). Ops arrive in any order of completion, but each key's ops must arrive with ids
 * that grow with invocation time (a run's history pairs them so). A write whose value W is still
 * a possible final value is kept until an acknowledged write is invoked after W completed: from
 * then on, a final read of W loses that write whether W is remembered or not.
 */
export class DurabilityTracker {
  private readonly keys = new Map<string, KeyDurability>();

  constructor(private readonly finalReadFromUs: number) {}

  /** An op on `key` was invoked: keys are reported in the order of their first invocation. */
  invoked(key: string | undefined): void {
    this.keyOf(key);
  }

  private keyOf(key: string | undefined): KeyDurability {
    const name = key ?? '';
    let k = this.keys.get(name);
    if (k === undefined) this.keys.set(name, (k = { acked: 0, latestAcked: undefined, sources: new Map(), sourcesAfterPrune: 0, finalRead: undefined }));
    return k;
  }

  add(op: Operation): void {
    const k = this.keyOf(op.key);
    if (isWrite(op)) {
      if (op.outcome === 'fail') return;
      const value = JSON.stringify(writtenValue(op));
      if (!k.sources.has(value)) k.sources.set(value, { op, completeUs: op.outcome === 'ok' ? (op.completeTimeUs ?? Infinity) : Infinity });
      if (op.outcome === 'ok') {
        k.acked++;
        if (k.latestAcked === undefined || k.latestAcked.id < op.id) k.latestAcked = op;
      }
      if (k.sources.size > 2 * k.sourcesAfterPrune + 64) this.prune(k);
      return;
    }
    if (op.f === 'read' && op.outcome === 'ok' && (op.invokeTimeUs ?? 0) >= this.finalReadFromUs && (k.finalRead === undefined || k.finalRead.id < op.id)) k.finalRead = op;
  }

  verdict(clientOf: (process: number) => string = (p) => `p${p}`): CheckVerdict {
    const finalReadFromUs = this.finalReadFromUs;
    if (finalReadFromUs === Infinity) return { verdict: 'unknown', detail: 'durability is judged from the final reads after a heal phase, and this scenario has none' };
    const lost: Array<{ key: string; finalValue: unknown; lostWrite: { process: number; f: string; value: unknown; completedUs?: number } }> = [];
    const noFinal: string[] = [];
    let keysChecked = 0;
    let ackedWrites = 0;
    for (const [key, k] of this.keys) {
      ackedWrites += k.acked;
      const latest = k.latestAcked;
      if (latest === undefined) continue;
      const final = k.finalRead;
      if (final === undefined) {
        noFinal.push(key || '(register)');
        continue;
      }
      keysChecked++;
      const value = final.output;
      const source = value === null || value === undefined ? undefined : k.sources.get(JSON.stringify(value));
      const sourceCompleteUs = source === undefined ? -Infinity : source.completeUs;
      // Acknowledged writes that started after the final value's write had finished: overwritten by... nobody.
      // The latest one is the witness: any other started earlier still.
      const victim = latest !== source?.op && (latest.invokeTimeUs ?? 0) > sourceCompleteUs ? latest : undefined;
      if (victim !== undefined) {
        lost.push({
          key: key || '(register)',
          finalValue: value ?? null,
          lostWrite: { process: victim.process, f: victim.f, value: writtenValue(victim), ...(victim.completeTimeUs !== undefined ? { completedUs: victim.completeTimeUs } : {}) },
        });
      }
    }
    if (lost.length > 0) {
      const first = lost[0]!;
      return {
        verdict: 'fail',
        detail: `${plural(lost.length, 'key')} lost acknowledged writes; e.g. key ${first.key}: the write of ${JSON.stringify(first.lostWrite.value)} by ${clientOf(first.lostWrite.process)} was acknowledged, but the final read returned ${JSON.stringify(first.finalValue)}`,
        evidence: lost,
      };
    }
    if (noFinal.length > 0) {
      return { verdict: 'unknown', detail: `no successful final read for ${noFinal.join(', ')} (the system was unavailable at the end)` };
    }
    return { verdict: 'pass', detail: `${plural(ackedWrites, 'acknowledged write')} over ${plural(keysChecked, 'key')}: none lost` };
  }

  /** Forgets sources that completed before the latest acknowledged write was invoked (see the class comment). */
  private prune(k: KeyDurability): void {
    const since = k.latestAcked?.invokeTimeUs;
    if (since !== undefined) for (const [value, source] of k.sources) if (source.completeUs < since) k.sources.delete(value);
    k.sourcesAfterPrune = k.sources.size;
  }
}

export { canonicalJson } from '../core/canonical.js';

/** Convergence: every node that is up at the end holds an equal view. */
export function checkConverged(views: ReadonlyArray<{ node: string; view: unknown }>, healed: boolean): CheckVerdict {
  if (views.length === 0) return { verdict: 'unknown', detail: 'no node is up at the end' };
  const groups = new Map<string, string[]>();
  for (const { node, view } of views) {
    const key = canonicalJson(view);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [node]);
    else list.push(node);
  }
  if (groups.size === 1) return { verdict: 'pass', detail: `${views.length} up nodes hold equal state${healed ? '' : ' (without a heal phase)'}` };
  const byGroup = [...groups.values()].map((nodes) => views.find((v) => v.node === nodes[0])!.view);
  const parts = [...groups.entries()].map(([json, nodes]) => ({ nodes, view: json.length > 200 ? json.slice(0, 197) + '...' : json }));
  return {
    verdict: healed ? 'fail' : 'unknown',
    detail: `${groups.size} different states after ${healed ? 'heal and quiescence' : 'the run (no heal phase)'}: ${parts.map((p) => `{${p.nodes.join(',')}}`).join(' vs ')}`,
    evidence: { groups: parts, differences: differences(byGroup) },
  };
}

/** Most differing keys (or elements) a convergence failure lists. */
const MAX_DIFFERENCES = 20;

/**
 * Where the groups' states differ: for map-like views, each key whose value is not the same in
 * every group, with each group's value (`null`: the group lacks the key); for list views, each
 * element some group lacks, with whether each group holds it. Other views: nothing finer to say.
 */
export function differences(views: readonly unknown[]): Array<{ key: string; values: Array<string | null> }> {
  const out: Array<{ key: string; values: Array<string | null> }> = [];
  const show = (value: unknown): string => {
    const json = canonicalJson(value);
    return json.length > 80 ? json.slice(0, 77) + '...' : json;
  };
  if (views.every((v) => Array.isArray(v))) {
    const sets = views.map((v) => new Set((v as unknown[]).map((x) => canonicalJson(x))));
    const all = [...new Set(sets.flatMap((s) => [...s]))].sort();
    for (const element of all) {
      if (out.length >= MAX_DIFFERENCES) break;
      if (sets.every((s) => s.has(element))) continue;
      out.push({ key: element, values: sets.map((s) => (s.has(element) ? 'holds it' : null)) });
    }
    return out;
  }
  if (!views.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) return out;
  const records = views as Array<Record<string, unknown>>;
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
  for (const key of keys) {
    if (out.length >= MAX_DIFFERENCES) break;
    const values = records.map((r) => (key in r ? canonicalJson(r[key]) : null));
    if (values.every((v) => v === values[0])) continue;
    out.push({ key, values: records.map((r) => (key in r ? show(r[key]) : null)) });
  }
  return out;
}

/**
 * Liveness: after the heal, service comes back within the quiet period. Each final read that does
 * not complete ok is issued again while an attempt still fits, so a read is stuck only when its
 * last attempt did not complete ok (attempts of one read share f, key and argument).
 */
export function checkLiveness(ops: readonly Operation[], finalReadFromUs: number, healed: boolean, clientOf: (process: number) => string = (p) => `p${p}`): CheckVerdict {
  if (!healed) return { verdict: 'unknown', detail: 'liveness is judged after a heal phase, and this scenario has none' };
  const lastAttempts = new Map<string, { op: Operation; attempts: number }>();
  for (const op of ops) {
    if ((op.invokeTimeUs ?? 0) < finalReadFromUs) continue;
    const slot = `${op.f}\u0000${op.key ?? canonicalJson(op.input)}`;
    const seen = lastAttempts.get(slot);
    if (seen === undefined || seen.op.invokeIndex < op.invokeIndex) lastAttempts.set(slot, { op, attempts: (seen?.attempts ?? 0) + 1 });
    else seen.attempts++;
  }
  const finals = [...lastAttempts.values()];
  if (finals.length === 0) return { verdict: 'unknown', detail: 'no op was issued after the heal' };
  const stuck = finals.filter(({ op }) => op.outcome !== 'ok');
  const retried = finals.filter(({ attempts }) => attempts > 1).length;
  const retriedNote = retried === 0 ? '' : ` (${retried} after retrying)`;
  if (stuck.length === 0) return { verdict: 'pass', detail: (finals.length === 1 ? 'the one op issued after the heal completed ok' : `all ${finals.length} ops issued after the heal completed ok`) + retriedNote };
  const first = stuck[0]!;
  const tries = first.attempts === 1 ? '' : `, ${first.attempts} attempts`;
  return {
    verdict: 'fail',
    detail: `${stuck.length} of ${finals.length} ops issued after the heal did not complete ok by the end of the quiet period (e.g. ${clientOf(first.op.process)} ${first.op.f}${first.op.key ? ' ' + first.op.key : ''}: ${first.op.outcome}${first.op.error ? ', ' + first.op.error : ''}${tries})`,
    evidence: stuck.slice(0, 10).map(({ op, attempts }) => ({ process: op.process, f: op.f, key: op.key, outcome: op.outcome, error: op.error, attempts })),
  };
}
