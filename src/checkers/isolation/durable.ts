/**
 * Durability of acknowledged commits, judged from the final reads (single-read transactions
 * issued after the heal). List-append: every value an acknowledged transaction appended to a key
 * must be in that key's final read. Rw-register: the final value names the write that produced
 * it; an acknowledged write invoked after that write's transaction completed was lost (as the
 * kv durability check reasons).
 */
import type { Operation } from '../../core/history.js';
import type { CheckVerdict } from '../../core/protocol.js';
import { valueId } from './analysis.js';
import { formatValue, txnsOf, type Txn } from './txn.js';

interface Loss {
  readonly key: string;
  readonly lost: string;
  readonly txn: string;
  readonly final: string;
}

export function checkTxnDurable(ops: readonly Operation[], model: 'list-append' | 'rw-register', finalReadFromUs: number): CheckVerdict {
  if (finalReadFromUs === Infinity) return { verdict: 'unknown', detail: 'durability is judged from the final reads after a heal phase, and this scenario has none' };
  const { txns } = txnsOf(ops);
  // The last successful final read of each key.
  const finals = new Map<string, { key: unknown; value: unknown }>();
  for (const t of txns) {
    if ((t.invokeTimeUs ?? 0) < finalReadFromUs || t.outcome !== 'ok') continue;
    for (const mop of t.mops) if (mop.f === 'r') finals.set(mop.keyId, { key: mop.key, value: mop.value });
  }
  const acked = txns.filter((t) => t.outcome === 'ok' && (t.invokeTimeUs ?? 0) < finalReadFromUs);
  const writtenKeys = new Map<string, unknown>();
  for (const t of acked) for (const mop of t.mops) if (mop.f !== 'r') writtenKeys.set(mop.keyId, mop.key);
  const unread = [...writtenKeys].filter(([id]) => !finals.has(id)).map(([, key]) => formatValue(key));
  const losses = model === 'list-append' ? appendLosses(acked, finals) : registerLosses(txns, acked, finals);
  const writes = acked.reduce((n, t) => n + t.mops.filter((m) => m.f !== 'r').length, 0);
  if (losses.length > 0) {
    const l = losses[0]!;
    return {
      verdict: 'fail',
      detail: `${losses.length} acknowledged write(s) lost; e.g. ${l.txn} committed ${l.lost} to key ${l.key}, but the final read of ${l.key} returned ${l.final}`,
      evidence: losses.slice(0, 20),
    };
  }
  if (unread.length > 0) return { verdict: 'unknown', detail: `no successful final read of key(s) ${unread.slice(0, 8).join(', ')}${unread.length > 8 ? ', ...' : ''} (the system was unavailable at the end)` };
  return { verdict: 'pass', detail: `${writes} acknowledged writes in ${acked.length} committed transactions over ${writtenKeys.size} key(s): none lost` };
}

function appendLosses(acked: readonly Txn[], finals: ReadonlyMap<string, { key: unknown; value: unknown }>): Loss[] {
  const present = new Map<string, Set<number | string>>();
  for (const [id, f] of finals) present.set(id, new Set((Array.isArray(f.value) ? f.value : []).map(valueId)));
  const losses: Loss[] = [];
  for (const t of acked) {
    for (const mop of t.mops) {
      if (mop.f !== 'append') continue;
      const seen = present.get(mop.keyId);
      if (seen === undefined || seen.has(valueId(mop.value))) continue;
      losses.push({ key: formatValue(mop.key), lost: `the append of ${formatValue(mop.value)}`, txn: t.name, final: formatValue(finals.get(mop.keyId)!.value) });
    }
  }
  return losses;
}

function registerLosses(txns: readonly Txn[], acked: readonly Txn[], finals: ReadonlyMap<string, { key: unknown; value: unknown }>): Loss[] {
  // Which txn wrote each (key, value), and when it completed (Infinity: never acknowledged).
  const writer = new Map<string, Txn>();
  for (const t of txns) for (const mop of t.mops) if (mop.f === 'w') writer.set(`${mop.keyId}\u0000${valueId(mop.value)}`, t);
  const losses: Loss[] = [];
  for (const [id, f] of finals) {
    const source = f.value === null ? undefined : writer.get(`${id}\u0000${valueId(f.value)}`);
    const sourceDoneUs = source === undefined ? -Infinity : source.outcome === 'ok' ? (source.completeTimeUs ?? Infinity) : Infinity;
    // The latest acknowledged write to the key that began after the final value's write was done.
    let victim: { txn: Txn; value: unknown } | undefined;
    for (const t of acked) {
      if (t === source || (t.invokeTimeUs ?? 0) <= sourceDoneUs) continue;
      for (const mop of t.mops) if (mop.f === 'w' && mop.keyId === id) victim = { txn: t, value: mop.value };
    }
    if (victim !== undefined) losses.push({ key: formatValue(f.key), lost: `the write of ${formatValue(victim.value)}`, txn: victim.txn.name, final: formatValue(f.value) });
  }
  return losses;
}
