/**
 * Read/write registers. `[w k v]` writes a value no other write to k writes, `[r k v]` returns the
 * current value (nil: never written). A read names the write it saw, but reads alone do not order
 * the writes; the order is inferred only where it must hold:
 *   - the initial state (nil) comes before every write;
 *   - writes follow reads: a txn that read k = a and then wrote k = b installed b after a.
 * From that partial version order:
 *   ww  the writer of a → a txn that read a and then wrote k;
 *   wr  the writer of v → each txn that read v (from outside);
 *   rw  each reader of a → a txn that read a and then wrote k; each reader of nil → each write
 *       with no known predecessor but nil (later writes follow those by ww).
 * Key by key: reads of aborted writes (G1a), of a value its txn overwrote before committing
 * (G1b), of values nobody wrote, misread own writes, and lost updates.
 */
import { AnomalySink, TxnInputError, valueId, type Analysis } from './analysis.js';
import { RW, WR, WW, type GraphBuilder } from './graph.js';
import { formatValue, type Txn } from './txn.js';

interface Write {
  readonly txn: number;
  /** The txn's last write to the key (what others can see once it commits). */
  readonly final: boolean;
}

interface KeyState {
  readonly key: unknown;
  readonly writes: Map<number | string, Write>;
  /** Reads of ok txns that do not follow their own write of the key, by value id; nil under 'nil'. */
  readonly readers: Map<number | string, number[]>;
  /** The value behind each read value id. */
  readonly values: Map<number | string, unknown>;
  /** Txns (ok) that read a (external) and then wrote the key: a → their final write. */
  readonly followers: Map<number | string, number[]>;
  /** Txns whose final write has no known predecessor but nil (blind writes, writes after reading nil). */
  readonly roots: number[];
}

/** Edges a key's nil readers may add to its root writes; beyond it they are skipped (and counted). */
const MAX_NIL_FANOUT = 2_000_000;

export function analyzeRwRegister(txns: readonly Txn[], keepPerType: number): Analysis & { readonly skippedEdges: number } {
  const keys = new Map<string, KeyState>();
  const stateOf = (keyId: string, key: unknown): KeyState => {
    let s = keys.get(keyId);
    if (s === undefined) keys.set(keyId, (s = { key, writes: new Map(), readers: new Map(), values: new Map(), followers: new Map(), roots: [] }));
    return s;
  };
  const sink = new AnomalySink(keepPerType);
  const name = (t: number): string => txns[t]!.name;
  const NIL = 'nil';
  const idOf = (v: unknown): number | string => (v === null ? NIL : valueId(v));

  for (const txn of txns) {
    const lastWrite = new Map<string, number>();
    txn.mops.forEach((mop, i) => {
      if (mop.f === 'append') throw new TxnInputError(txn.invokeIndex, `${txn.name}: rw-register has w and r micro-ops, not append (use --model list-append)`);
      if (mop.f === 'w') {
        if (mop.value === null) throw new TxnInputError(txn.invokeIndex, `${txn.name}: writes nil to ${formatValue(mop.key)}; nil stands for the initial state, so writes must be values`);
        lastWrite.set(mop.keyId, i);
      }
    });
    const firstAccess = new Map<string, number>();
    txn.mops.forEach((mop, i) => {
      const s = stateOf(mop.keyId, mop.key);
      if (!firstAccess.has(mop.keyId)) firstAccess.set(mop.keyId, i);
      if (mop.f === 'w') {
        const id = valueId(mop.value);
        const other = s.writes.get(id);
        if (other !== undefined) {
          throw new TxnInputError(txn.invokeIndex, `${name(other.txn)} and ${txn.name} both write ${formatValue(mop.value)} to ${formatValue(mop.key)}: rw-register needs every written value to be unique per key`);
        }
        s.writes.set(id, { txn: txn.index, final: lastWrite.get(mop.keyId) === i });
      }
    });
    if (txn.outcome === 'fail') continue;
    if (txn.outcome === 'ok') {
      // Every read that does not follow the txn's own write of the key saw a committed version.
      const wroteSoFar = new Set<string>();
      const seen = new Set<string>();
      for (const mop of txn.mops) {
        if (mop.f === 'w') wroteSoFar.add(mop.keyId);
        else if (!wroteSoFar.has(mop.keyId)) {
          const id = idOf(mop.value);
          const once = `${mop.keyId}\u0000${String(id)}`;
          if (seen.has(once)) continue;
          seen.add(once);
          const s = keys.get(mop.keyId)!;
          push(s.readers, id, txn.index);
          s.values.set(id, mop.value);
        }
      }
    }
    for (const [keyId, first] of firstAccess) {
      const mop = txn.mops[first]!;
      const s = keys.get(keyId)!;
      const wrote = lastWrite.has(keyId);
      if (mop.f === 'r' && txn.outcome === 'ok') {
        const id = idOf(mop.value);
        if (wrote) {
          if (mop.value === null) s.roots.push(txn.index);
          else push(s.followers, id, txn.index);
        }
      } else if (wrote) {
        // A blind write (or an indeterminate txn's, whose reads are unknown): only nil precedes it.
        s.roots.push(txn.index);
      }
    }
  }

  // Per-read anomalies: aborted, intermediate and garbage reads; internal consistency.
  for (const txn of txns) {
    if (txn.outcome !== 'ok') continue;
    const current = new Map<string, { value: unknown; own: boolean }>();
    for (const mop of txn.mops) {
      const s = keys.get(mop.keyId)!;
      const k = formatValue(mop.key);
      if (mop.f === 'w') {
        current.set(mop.keyId, { value: mop.value, own: true });
        continue;
      }
      const before = current.get(mop.keyId);
      if (before?.own === true) {
        // A read after the txn's own write sees that write. (A re-read after a read may see a newer
        // committed value: read committed allows it; stronger models see it as a cycle.)
        if (idOf(before.value) !== idOf(mop.value)) {
          sink.add('internal', () => ({ key: mop.key, txns: [txn.index], explanation: `${txn.name} read ${k} = ${formatValue(mop.value)} but expected its own write of ${formatValue(before.value)}` }));
        }
        continue;
      }
      current.set(mop.keyId, { value: mop.value, own: false });
      if (mop.value === null) continue;
      const w = s.writes.get(valueId(mop.value));
      if (w === undefined) {
        sink.add('garbage-read', () => ({ key: mop.key, txns: [txn.index], explanation: `${txn.name} read ${k} = ${formatValue(mop.value)}, but no transaction wrote ${formatValue(mop.value)} to ${k}` }));
      } else if (w.txn !== txn.index && txns[w.txn]!.outcome === 'fail') {
        sink.add('G1a', () => ({ key: mop.key, txns: [w.txn, txn.index], explanation: `${name(w.txn)} wrote ${k} = ${formatValue(mop.value)} and aborted, yet ${txn.name} read it` }));
      } else if (w.txn !== txn.index && !w.final) {
        sink.add('G1b', () => ({
          key: mop.key,
          txns: [w.txn, txn.index],
          explanation: `${name(w.txn)} wrote ${k} = ${formatValue(mop.value)} and then wrote ${k} again, yet ${txn.name} read the intermediate ${formatValue(mop.value)}`,
        }));
      }
    }
  }

  // Lost update: committed txns that read the same version and then wrote the key.
  for (const s of keys.values()) {
    const groups: Array<[number | string, number[]]> = [...s.followers];
    const nilWriters = s.roots.filter((t) => txns[t]!.outcome === 'ok' && (s.readers.get(NIL) ?? []).includes(t));
    if (nilWriters.length > 0) groups.push([NIL, nilWriters]);
    for (const [id, members] of groups) {
      const committed = members.filter((t) => txns[t]!.outcome === 'ok');
      if (committed.length < 2) continue;
      const value = formatValue(s.values.get(id) ?? null);
      const shown = committed.slice(0, 4).map(name);
      sink.add('lost-update', () => ({
        key: s.key,
        txns: committed.slice(0, 8),
        explanation: `${shown.join(' and ')}${committed.length > 4 ? ` (and ${committed.length - 4} more)` : ''} read ${formatValue(s.key)} = ${value} and then wrote it, and all committed`,
      }));
    }
  }

  const writerOf = (s: KeyState, value: unknown): number => {
    const w = s.writes.get(valueId(value));
    return w === undefined || !w.final || txns[w.txn]!.outcome === 'fail' ? -1 : w.txn;
  };
  let skippedEdges = 0;

  return {
    anomalies: sink,
    get skippedEdges() {
      return skippedEdges;
    },
    addEdges(graph: GraphBuilder): void {
      for (const s of keys.values()) {
        for (const [id, readers] of s.readers) {
          if (id === NIL) continue;
          const w = writerOf(s, s.values.get(id));
          if (w >= 0) for (const r of readers) graph.add(w, r, WR);
        }
        for (const [id, followers] of s.followers) {
          const w = writerOf(s, s.values.get(id));
          for (const f of followers) {
            if (w >= 0) graph.add(w, f, WW);
            for (const r of s.readers.get(id) ?? []) graph.add(r, f, RW);
          }
        }
        const nilReaders = s.readers.get(NIL) ?? [];
        if (nilReaders.length * s.roots.length > MAX_NIL_FANOUT) {
          skippedEdges += nilReaders.length * s.roots.length;
          continue;
        }
        for (const r of nilReaders) for (const w of s.roots) graph.add(r, w, RW);
      }
    },
    explain(from: Txn, to: Txn, kind: number): string | undefined {
      for (const keyId of sharedKeys(from, to)) {
        const s = keys.get(keyId)!;
        const k = formatValue(s.key);
        const fromRead = externalRead(from, keyId);
        const toRead = externalRead(to, keyId);
        const fromWrite = finalWrite(from, keyId);
        const toWrite = finalWrite(to, keyId);
        if (kind === WR && fromWrite !== undefined && toRead !== undefined && idOf(toRead.value) === valueId(fromWrite)) {
          return `${from.name} wrote ${k} = ${formatValue(fromWrite)}, ${to.name} read ${k} = ${formatValue(fromWrite)}, so ${from.name} → ${to.name} (wr)`;
        }
        if (kind === WW && fromWrite !== undefined && toRead !== undefined && toWrite !== undefined && idOf(toRead.value) === valueId(fromWrite)) {
          return `${from.name} wrote ${k} = ${formatValue(fromWrite)}, ${to.name} read ${k} = ${formatValue(fromWrite)} and then wrote ${k} = ${formatValue(toWrite)}, so ${from.name} → ${to.name} (ww)`;
        }
        if (kind === RW && fromRead !== undefined && toWrite !== undefined) {
          if (fromRead.value === null && (toRead === undefined || toRead.value === null)) {
            return `${from.name} read ${k} = nil (the initial state), ${to.name} wrote ${k} = ${formatValue(toWrite)}, a later version, so ${from.name} → ${to.name} (rw)`;
          }
          if (toRead !== undefined && fromRead.value !== null && idOf(toRead.value) === idOf(fromRead.value)) {
            return `${from.name} read ${k} = ${formatValue(fromRead.value)}, ${to.name} read it too and then wrote ${k} = ${formatValue(toWrite)}, a later version, so ${from.name} → ${to.name} (rw)`;
          }
        }
      }
      return undefined;
    },
  };
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** The value of the txn's first micro-op on the key, when that is a read. */
function externalRead(txn: Txn, keyId: string): { value: unknown } | undefined {
  const first = txn.mops.find((m) => m.keyId === keyId);
  return first !== undefined && first.f === 'r' ? { value: first.value } : undefined;
}

function finalWrite(txn: Txn, keyId: string): unknown {
  let value: unknown;
  for (const m of txn.mops) if (m.f === 'w' && m.keyId === keyId) value = m.value;
  return value;
}

function sharedKeys(a: Txn, b: Txn): string[] {
  const mine = new Set(a.mops.map((m) => m.keyId));
  return [...new Set(b.mops.map((m) => m.keyId))].filter((k) => mine.has(k));
}
