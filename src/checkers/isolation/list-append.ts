/**
 * List-append (Elle's richest inference). Every key is a list; `[append k v]` adds a value no other
 * append to k ever adds, and `[r k [v1 v2 ...]]` returns the whole list. A read is therefore a
 * prefix of the key's version order, and the longest read of a key reveals the order of every
 * append in it:
 *   ww  the writer of v_i  → the writer of v_i+1 (consecutive elements);
 *   wr  the writer of a read's last element → the reader;
 *   rw  a reader of a prefix of length j → the writer of v_j+1, the element it did not see.
 * An append no read saw comes after the longest read (reads are prefixes of the version order),
 * so the writer of its last element and its readers precede that append too (ww, rw): a key
 * appended once and never read, or read only empty, still orders its appender after the readers.
 * Key by key it also finds reads of aborted appends (G1a), reads that end in an append its writer
 * followed with another (G1b), elements read twice, reads that are not prefixes of one order,
 * values nobody appended, transactions that misread their own appends, and lost updates.
 */
import { AnomalySink, TxnInputError, valueId, type Analysis } from './analysis.js';
import { RW, WR, WW, type GraphBuilder } from './graph.js';
import { formatValue, type MicroOp, type Txn } from './txn.js';

interface Append {
  readonly txn: number;
  /** The micro-op's position in the txn. */
  readonly mop: number;
}

/**
 * What a read shows of the key's committed state: the list less the reader's own earlier appends
 * to the key, which a store shows on top (only when it does end with them: else it is an internal
 * anomaly, and the list is taken as it is).
 */
function committedPart(list: readonly unknown[], mops: readonly MicroOp[], at: number): readonly unknown[] {
  const keyId = mops[at]!.keyId;
  const own: unknown[] = [];
  for (let i = 0; i < at; i++) if (mops[i]!.f === 'append' && mops[i]!.keyId === keyId) own.push(mops[i]!.value);
  if (own.length === 0 || own.length > list.length) return list;
  const tail = list.slice(list.length - own.length);
  return isPrefix(own, tail) ? list.slice(0, list.length - own.length) : list;
}

/** Whether the txn appends to the same key again after this append (so the value is intermediate). */
function appendsAgain(txn: Txn, at: Append): boolean {
  const keyId = txn.mops[at.mop]!.keyId;
  for (let i = at.mop + 1; i < txn.mops.length; i++) if (txn.mops[i]!.f === 'append' && txn.mops[i]!.keyId === keyId) return true;
  return false;
}

interface Read {
  readonly txn: number;
  readonly list: readonly unknown[];
}

interface KeyState {
  readonly key: unknown;
  readonly appends: Map<number | string, Append>;
  readonly reads: Read[];
  /** The longest read: the key's version order as far as anyone saw it. */
  order: readonly unknown[];
  /** Who read `order`. */
  orderReader: number;
  /** Position of each value in `order` (first occurrence). */
  readonly position: Map<number | string, number>;
  /** Appends (not aborted) of values no read returned: they follow everything `order` holds. */
  readonly unobserved: Append[];
}

/** Reads whose value is nil (a key never written) count as the empty list. */
function readList(mop: MicroOp, txn: Txn): readonly unknown[] {
  if (mop.value === null) return [];
  if (!Array.isArray(mop.value)) throw new TxnInputError(txn.invokeIndex, `${txn.name}: list-append reads return a list, got [r ${formatValue(mop.key)} ${formatValue(mop.value)}]`);
  return mop.value;
}

export function analyzeListAppend(txns: readonly Txn[], keepPerType: number): Analysis {
  const keys = new Map<string, KeyState>();
  const stateOf = (mop: MicroOp): KeyState => {
    let s = keys.get(mop.keyId);
    if (s === undefined) keys.set(mop.keyId, (s = { key: mop.key, appends: new Map(), reads: [], order: [], orderReader: -1, position: new Map(), unobserved: [] }));
    return s;
  };
  const sink = new AnomalySink(keepPerType);
  const name = (t: number): string => txns[t]!.name;

  // Appends (of every outcome: an aborted append seen by a read is a G1a) and ok reads.
  for (const txn of txns) {
    const mops = txn.mops;
    for (let i = 0; i < mops.length; i++) {
      const mop = mops[i]!;
      if (mop.f === 'w') throw new TxnInputError(txn.invokeIndex, `${txn.name}: list-append has append and r micro-ops, not w (use --model rw-register)`);
      const s = stateOf(mop);
      if (mop.f === 'append') {
        const id = valueId(mop.value);
        const other = s.appends.get(id);
        if (other !== undefined) {
          throw new TxnInputError(txn.invokeIndex, `${name(other.txn)} and ${txn.name} both append ${formatValue(mop.value)} to ${formatValue(mop.key)}: list-append needs every appended value to be unique per key`);
        }
        s.appends.set(id, { txn: txn.index, mop: i });
      } else if (txn.outcome === 'ok') {
        s.reads.push({ txn: txn.index, list: committedPart(readList(mop, txn), mops, i) });
      }
    }
  }

  for (const s of keys.values()) {
    for (const read of s.reads) {
      if (read.list.length > s.order.length) {
        s.order = read.list;
        s.orderReader = read.txn;
      }
    }
    s.order.forEach((v, i) => {
      const id = valueId(v);
      if (!s.position.has(id)) s.position.set(id, i);
    });
    const seen = new Set<number | string>(s.position.keys());
    for (const read of s.reads) if (read.list.length > 0 && !isPrefix(read.list, s.order)) for (const v of read.list) seen.add(valueId(v));
    for (const [id, a] of s.appends) if (!seen.has(id) && txns[a.txn]!.outcome !== 'fail') s.unobserved.push(a);
  }

  const writerOf = (s: KeyState, value: unknown): Append | undefined => s.appends.get(valueId(value));
  const committedWriter = (s: KeyState, value: unknown): number => {
    const a = writerOf(s, value);
    return a === undefined || txns[a.txn]!.outcome === 'fail' ? -1 : a.txn;
  };

  for (const s of keys.values()) {
    const k = formatValue(s.key);
    // The first element of the order nobody appended, and the first one an aborted txn appended:
    // every read at least that long saw it.
    let garbageAt = -1;
    let abortedAt = -1;
    for (let i = 0; i < s.order.length && (garbageAt < 0 || abortedAt < 0); i++) {
      const w = writerOf(s, s.order[i]);
      if (w === undefined && garbageAt < 0) garbageAt = i;
      if (w !== undefined && txns[w.txn]!.outcome === 'fail' && abortedAt < 0) abortedAt = i;
    }
    const duplicated = firstDuplicate(s.order);
    for (const read of s.reads) {
      const list = read.list;
      const prefix = isPrefix(list, s.order);
      if (!prefix) {
        sink.add('incompatible-order', () => ({
          key: s.key,
          txns: [s.orderReader, read.txn],
          explanation: `${name(s.orderReader)} read ${k} = ${formatValue(s.order)} but ${name(read.txn)} read ${k} = ${formatValue(list)}: no single order of appends gives both`,
        }));
      }
      const dup = prefix ? (duplicated !== undefined && duplicated.at < list.length ? duplicated.value : undefined) : firstDuplicate(list)?.value;
      if (dup !== undefined) {
        sink.add('duplicate-elements', () => ({ key: s.key, txns: [read.txn], explanation: `${name(read.txn)} read ${k} = ${formatValue(list)}, which holds ${formatValue(dup)} twice` }));
      }
      const bad = prefix ? firstBad(garbageAt, abortedAt, list.length, s.order) : scanBad(list, (v) => writerOf(s, v), txns);
      if (bad !== undefined) {
        const w = writerOf(s, bad.value);
        if (bad.kind === 'garbage') {
          sink.add('garbage-read', () => ({ key: s.key, txns: [read.txn], explanation: `${name(read.txn)} read ${k} = ${formatValue(list)}, but no transaction appended ${formatValue(bad.value)} to ${k}` }));
        } else if (w !== undefined && w.txn !== read.txn) {
          sink.add('G1a', () => ({
            key: s.key,
            txns: [w.txn, read.txn],
            explanation: `${name(w.txn)} appended ${formatValue(bad.value)} to ${k} and aborted, yet ${name(read.txn)} read ${k} = ${formatValue(list)}`,
          }));
        }
      }
      if (list.length > 0) {
        const last = list[list.length - 1];
        const w = writerOf(s, last);
        if (w !== undefined && w.txn !== read.txn && txns[w.txn]!.outcome !== 'fail' && appendsAgain(txns[w.txn]!, w)) {
          sink.add('G1b', () => ({
            key: s.key,
            txns: [w.txn, read.txn],
            explanation: `${name(w.txn)} appended ${formatValue(last)} to ${k} and then appended again, yet ${name(read.txn)} read ${k} = ${formatValue(list)}, ending at the intermediate ${formatValue(last)}`,
          }));
        }
      }
    }
  }

  checkInternal(txns, sink);
  checkLostUpdates(txns, keys, sink);

  return {
    anomalies: sink,
    addEdges(graph: GraphBuilder): void {
      for (const s of keys.values()) {
        let previous = s.order.length > 0 ? committedWriter(s, s.order[0]) : -1;
        for (let i = 1; i < s.order.length; i++) {
          const w = committedWriter(s, s.order[i]);
          if (previous >= 0 && w >= 0) graph.add(previous, w, WW);
          previous = w;
        }
        for (const read of s.reads) {
          const n = read.list.length;
          if (n > 0) {
            const w = committedWriter(s, read.list[n - 1]);
            if (w >= 0) graph.add(w, read.txn, WR);
          }
          if (n < s.order.length && isPrefix(read.list, s.order)) {
            const w = committedWriter(s, s.order[n]);
            if (w >= 0) graph.add(read.txn, w, RW);
          }
          if (n === s.order.length && isPrefix(read.list, s.order)) for (const u of s.unobserved) if (u.txn !== read.txn) graph.add(read.txn, u.txn, RW);
        }
        const last = s.order.length > 0 ? committedWriter(s, s.order[s.order.length - 1]) : -1;
        if (last >= 0) for (const u of s.unobserved) if (u.txn !== last) graph.add(last, u.txn, WW);
      }
    },
    explain(from: Txn, to: Txn, kind: number): string | undefined {
      for (const mop of kind === WR ? to.mops : from.mops) {
        const s = keys.get(mop.keyId);
        if (s === undefined) continue;
        const k = formatValue(s.key);
        if (kind === WW && mop.f === 'append') {
          const at = s.position.get(valueId(mop.value));
          if (at !== undefined && at === s.order.length - 1) {
            const later = s.unobserved.find((u) => u.txn === to.index);
            if (later === undefined) continue;
            return `${from.name} appended ${formatValue(mop.value)} to ${k}, the last element any read saw (${name(s.orderReader)} read ${k} = ${excerpt(s.order, at)}), and ${to.name} appended ${formatValue(to.mops[later.mop]!.value)}, which no read saw, so after it: ${from.name} → ${to.name} (ww)`;
          }
          if (at === undefined || at + 1 >= s.order.length) continue;
          const next = s.order[at + 1];
          if (writerOf(s, next)?.txn !== to.index) continue;
          return `${from.name} appended ${formatValue(mop.value)} to ${k} and ${to.name} appended ${formatValue(next)} right after it (${name(s.orderReader)} read ${k} = ${excerpt(s.order, at + 1)}), so ${from.name} → ${to.name} (ww)`;
        }
        if (kind === WR && mop.f === 'r' && Array.isArray(mop.value) && mop.value.length > 0) {
          const last = mop.value[mop.value.length - 1];
          if (writerOf(s, last)?.txn !== from.index) continue;
          return `${from.name} appended ${formatValue(last)} to ${k}, ${to.name} read ${k} = ${excerpt(mop.value, mop.value.length - 1)}, so ${from.name} → ${to.name} (wr)`;
        }
        if (kind === RW && mop.f === 'r') {
          const list = mop.value === null ? [] : Array.isArray(mop.value) ? mop.value : undefined;
          if (list !== undefined && list.length === s.order.length && isPrefix(list, s.order)) {
            const later = s.unobserved.find((u) => u.txn === to.index);
            if (later === undefined) continue;
            const seen = list.length === 0 ? `${k} = [] (empty)` : `${k} = ${excerpt(list, list.length - 1)}`;
            return `${from.name} read ${seen}, all any read of ${k} saw, and ${to.name} appended ${formatValue(to.mops[later.mop]!.value)}, which no read saw, so after it: ${from.name} → ${to.name} (rw)`;
          }
          if (list === undefined || list.length >= s.order.length || !isPrefix(list, s.order)) continue;
          const next = s.order[list.length];
          if (writerOf(s, next)?.txn !== to.index) continue;
          const seen = list.length === 0 ? `${k} = [] (empty)` : `${k} = ${excerpt(list, list.length - 1)}`;
          return `${from.name} read ${seen}, ${to.name} appended ${formatValue(next)}, the next element of ${k}, so ${from.name} → ${to.name} (rw)`;
        }
      }
      return undefined;
    },
  };
}

/** Most txns touch each key once; only those touching one twice can be internally inconsistent or lose an update. */
export function touchesKeyTwice(txn: Txn): boolean {
  const mops = txn.mops;
  for (let i = 1; i < mops.length; i++) for (let j = 0; j < i; j++) if (mops[i]!.keyId === mops[j]!.keyId) return true;
  return false;
}

function isPrefix(list: readonly unknown[], order: readonly unknown[]): boolean {
  if (list.length > order.length) return false;
  for (let i = 0; i < list.length; i++) if (list[i] !== order[i] && valueId(list[i]) !== valueId(order[i])) return false;
  return true;
}

function firstDuplicate(list: readonly unknown[]): { value: unknown; at: number } | undefined {
  const seen = new Set<number | string>();
  for (let i = 0; i < list.length; i++) {
    const id = valueId(list[i]);
    if (seen.has(id)) return { value: list[i], at: i };
    seen.add(id);
  }
  return undefined;
}

type Bad = { kind: 'garbage' | 'aborted'; value: unknown };

/** For a prefix of the order: the first garbage or aborted element within its length. */
function firstBad(garbageAt: number, abortedAt: number, length: number, order: readonly unknown[]): Bad | undefined {
  const g = garbageAt >= 0 && garbageAt < length ? garbageAt : Infinity;
  const a = abortedAt >= 0 && abortedAt < length ? abortedAt : Infinity;
  if (g === Infinity && a === Infinity) return undefined;
  return g < a ? { kind: 'garbage', value: order[g] } : { kind: 'aborted', value: order[a] };
}

function scanBad(list: readonly unknown[], writerOf: (v: unknown) => Append | undefined, txns: readonly Txn[]): Bad | undefined {
  for (const v of list) {
    const w = writerOf(v);
    if (w === undefined) return { kind: 'garbage', value: v };
    if (txns[w.txn]!.outcome === 'fail') return { kind: 'aborted', value: v };
  }
  return undefined;
}

/** `[1 2 3]`, or `[... 7 8 9]` when long: the list up to and including position `upTo`, `...` after when it goes on. */
export function excerpt(list: readonly unknown[], upTo: number): string {
  const shown = list.slice(0, upTo + 1).map(formatValue);
  const head = shown.length > 6 ? ['...', ...shown.slice(-4)] : shown;
  return `[${[...head, ...(list.length > upTo + 1 ? ['...'] : [])].join(' ')}]`;
}

/**
 * Internal consistency: within one committed txn, a read of k ends with every value the txn
 * appended to k so far, in order (a store shows a transaction its own writes on top of what it
 * reads), and what it read before (less its own appends) is still a prefix: lists only grow.
 * A re-read that also shows newly committed values is not internal: read committed allows it,
 * and under stronger models the dependency graph shows it as a cycle.
 */
function checkInternal(txns: readonly Txn[], sink: AnomalySink): void {
  for (const txn of txns) {
    if (txn.outcome !== 'ok' || !touchesKeyTwice(txn)) continue;
    const known = new Map<string, { committed: readonly unknown[] | undefined; own: unknown[] }>();
    for (const mop of txn.mops) {
      let k = known.get(mop.keyId);
      if (k === undefined) known.set(mop.keyId, (k = { committed: undefined, own: [] }));
      if (mop.f === 'append') {
        k.own.push(mop.value);
        continue;
      }
      const list = mop.value === null ? [] : Array.isArray(mop.value) ? mop.value : [];
      const endsWithOwn = list.length >= k.own.length && isPrefix(k.own, list.slice(list.length - k.own.length));
      const committed = endsWithOwn ? list.slice(0, list.length - k.own.length) : list;
      let problem: string | undefined;
      if (!endsWithOwn) problem = `expected it to end with its own ${formatValue(k.own)}`;
      else if (k.committed !== undefined && !isPrefix(k.committed, committed)) problem = `its earlier read saw ${formatValue(k.committed)} before its own appends, and lists only grow`;
      if (problem !== undefined) {
        const why = problem;
        sink.add('internal', () => ({ key: mop.key, txns: [txn.index], explanation: `${txn.name} read ${formatValue(mop.key)} = ${formatValue(list)} but ${why}` }));
      }
      k.committed = committed;
    }
  }
}

/**
 * Lost update: two committed txns read the same version of a key (the same prefix), then both
 * appended to it. Under snapshot isolation one of them must have aborted.
 */
function checkLostUpdates(txns: readonly Txn[], keys: ReadonlyMap<string, KeyState>, sink: AnomalySink): void {
  const groups = new Map<string, { keyId: string; list: readonly unknown[]; members: number[] }>();
  for (const txn of txns) {
    if (txn.outcome !== 'ok' || !touchesKeyTwice(txn)) continue;
    const firstRead = new Map<string, readonly unknown[]>();
    const done = new Set<string>();
    for (const mop of txn.mops) {
      if (done.has(mop.keyId)) continue;
      if (mop.f === 'r' && !firstRead.has(mop.keyId)) {
        firstRead.set(mop.keyId, Array.isArray(mop.value) ? mop.value : []);
      } else if (mop.f === 'append') {
        done.add(mop.keyId);
        const list = firstRead.get(mop.keyId);
        if (list === undefined) continue; // a blind append read nothing it could lose
        // The version read: the key and the list's length and last element (reads are prefixes).
        const group = `${mop.keyId}\u0000${list.length}\u0000${list.length === 0 ? '' : valueId(list[list.length - 1])}`;
        let entry = groups.get(group);
        if (entry === undefined) groups.set(group, (entry = { keyId: mop.keyId, list, members: [] }));
        entry.members.push(txn.index);
      }
    }
  }
  for (const { keyId, list, members } of groups.values()) {
    if (members.length < 2) continue;
    const key = keys.get(keyId)!.key;
    const version = list.length === 0 ? '[] (empty)' : excerpt(list, list.length - 1);
    const shown = members.slice(0, 4).map((t) => txns[t]!.name);
    sink.add('lost-update', () => ({
      key,
      txns: members.slice(0, 8),
      explanation: `${shown.join(' and ')}${members.length > 4 ? ` (and ${members.length - 4} more)` : ''} read ${formatValue(key)} = ${version} and then appended to it, and all committed`,
    }));
  }
}
