/**
 * The isolation checker against Elle's published behaviour: the hand-built histories of Elle's own
 * test suite (jepsen-io/elle, test/elle/list_append_test.clj at 021fb14e and
 * test/elle/rw_register_test.clj at 0157c575), each with the anomalies Elle reports and the models
 * it says the history violates. The histories are written here in Elle's compact notation
 * ("ax1ry12": append 1 to x, read y = [1 2]; "ry": read y = nil; rw-register "wx1", "rx_" for nil),
 * read by our own parser; the expectations are Elle's, translated to dsim's names:
 *
 * - Elle's `-item` suffix (G-single-item, G2-item, G-nonadjacent-item: cycles over items, not
 *   predicates) is dsim's plain name, as dsim has no predicates.
 * - Elle's models map onto dsim's chain (read uncommitted < read committed < snapshot isolation <
 *   serializable < strong session serializable < strict serializable): Elle's "not repeatable
 *   read" for G2-item is "snapshot isolation holds, serializable does not"; "not consistent view /
 *   repeatable read" for G-single is "read committed holds, snapshot isolation does not"; "not
 *   strong (session) snapshot isolation" for a cycle closed by real-time (process) order is
 *   "serializable holds, strict (strong session) serializable does not".
 *
 * Where dsim reports more than Elle, or less, the case says so and why.
 */
import { describe, expect, it } from 'vitest';
import type { ConsistencyModel } from '../../../src/checkers/isolation/index.js';
import { check, txnHistory, type Mop, type TxnSpec } from './support.js';

/** Elle's compact notation for one transaction, as completed. */
function parse(text: string, model: 'list-append' | 'rw-register'): Mop[] {
  const mops: Array<[string, unknown, unknown]> = [];
  for (let i = 0; i < text.length; ) {
    const f = text[i++]!;
    const key = text[i++]!;
    if (!'arw'.includes(f) || !/[a-z]/.test(key)) throw new Error(`bad notation at ${i - 2} in ${text}`);
    let digits = '';
    while (i < text.length && /[0-9_]/.test(text[i]!)) digits += text[i++];
    const name = f === 'a' ? 'append' : f;
    if (name === 'append' || name === 'w') mops.push([name, key, digits === '_' ? null : Number(digits)]);
    else if (model === 'list-append') mops.push(['r', key, digits === '' ? null : [...digits].map(Number)]);
    else mops.push(['r', key, digits === '' || digits === '_' ? null : Number(digits)]);
  }
  return mops;
}

type Outcome = 'ok' | 'fail' | 'info';
interface Case {
  readonly name: string;
  readonly model?: 'list-append' | 'rw-register';
  /** Transactions: notation, or [process, outcome, notation]. */
  readonly txns: ReadonlyArray<string | readonly [number, Outcome, string]>;
  /** Elle's `pair`: each transaction invoked and completed before the next (real-time and process order); otherwise all concurrent. */
  readonly sequential?: boolean;
  /** The model Elle's call checked (default strict-serializable, Elle's default too). */
  readonly consistency?: ConsistencyModel;
  /** The anomaly types Elle reports, in dsim's names. */
  readonly elle: readonly string[];
  /** What dsim reports beyond them, and why that is right. */
  readonly also?: Readonly<Record<string, string>>;
  readonly holds?: readonly ConsistencyModel[];
  readonly violates?: readonly ConsistencyModel[];
  /** The edge kinds of the cycle Elle reports for this type (as its :steps), in any order. */
  readonly cycle?: { readonly type: string; readonly steps: readonly string[] };
}

function specs(c: Case): TxnSpec[] {
  const model = c.model ?? 'list-append';
  return c.txns.map((t, i) => {
    // Elle's `op` puts every transaction on process 0; concurrent ones need a process each here.
    const [p, outcome, text] = typeof t === 'string' ? [c.sequential ? 0 : i, 'ok' as const, t] : t;
    const base = { p, ops: parse(text, model), outcome };
    return c.sequential ? base : { ...base, start: i, end: 100 + i };
  });
}

const CASES: readonly Case[] = [
  // list_append_test.clj, checker-test
  { name: 'G0: x ordered t1, t2 and y t2, t1', txns: ['ax1ay1', 'ax2ay2', 'rx12ry21'], elle: ['G0'], violates: ['read-uncommitted'], cycle: { type: 'G0', steps: ['ww', 'ww'] } },
  { name: 'G1a: a read of a failed append', txns: [[0, 'fail', 'ax1'], [1, 'ok', 'rx1']], elle: ['G1a'], holds: ['read-uncommitted'], violates: ['read-committed'] },
  {
    // Elle: G1b, and G-single too: rx1 observes ax1 but not ax2.
    name: 'G1b: an intermediate append read',
    txns: ['ax1ax2', 'rx1'],
    sequential: true,
    elle: ['G1b', 'G-single'],
    violates: ['read-committed'],
    cycle: { type: 'G-single', steps: ['rw', 'wr'] },
  },
  { name: "G1c: t2 appends x after t1, t1 reads t2's y", txns: ['ax1ry1', 'ax2ay1', 'rx12ry1'], elle: ['G1c'], holds: ['read-uncommitted'], violates: ['read-committed'], cycle: { type: 'G1c', steps: ['wr', 'ww'] } },
  { name: 'G-single: read skew', txns: ['ax1ay1', 'ax2ry', 'rx12'], elle: ['G-single'], holds: ['read-committed'], violates: ['snapshot-isolation'], cycle: { type: 'G-single', steps: ['rw', 'ww'] } },
  { name: 'G2: a pure anti-dependency cycle', txns: ['ax1ry', 'ay1rx'], elle: ['G2-item'], holds: ['read-committed', 'snapshot-isolation'], violates: ['serializable'], cycle: { type: 'G2-item', steps: ['rw', 'rw'] } },
  {
    name: 'strong SI violation: a stale read after the append completed',
    txns: [[0, 'ok', 'ax1'], [1, 'ok', 'ax2'], [2, 'ok', 'rx1'], [3, 'ok', 'rx12']],
    sequential: true,
    elle: ['G-single-realtime'],
    holds: ['serializable'],
    violates: ['strict-serializable'],
    cycle: { type: 'G-single-realtime', steps: ['rw', 'realtime'] },
  },
  {
    name: 'strong session SI violation: a stale read by the appending process',
    txns: [[0, 'ok', 'ax1'], [1, 'ok', 'ax2'], [1, 'ok', 'rx1'], [2, 'ok', 'rx12']],
    sequential: true,
    consistency: 'strong-session-serializable',
    elle: ['G-single-process'],
    holds: ['serializable'],
    violates: ['strong-session-serializable'],
    cycle: { type: 'G-single-process', steps: ['rw', 'process'] },
  },
  {
    // jepsen-io/elle issue 17.
    name: 'G-nonadjacent closed by process order',
    txns: [[0, 'ok', 'rxrz1'], [1, 'ok', 'ax1'], [1, 'ok', 'rz'], [2, 'ok', 'az1']],
    sequential: true,
    consistency: 'strong-session-serializable',
    elle: ['G-nonadjacent-process'],
    holds: ['serializable'],
    violates: ['strong-session-serializable'],
    cycle: { type: 'G-nonadjacent-process', steps: ['rw', 'wr', 'rw', 'process'] },
  },
  {
    name: 'contradictory read orders',
    txns: ['ax1ry1', 'ax2', 'ax3ay1', 'rx13', 'rx123'],
    consistency: 'read-committed',
    elle: ['G1c', 'incompatible-order'],
    violates: ['read-committed'],
    cycle: { type: 'G1c', steps: ['wr', 'ww', 'ww'] },
  },
  {
    name: 'duplicated elements',
    txns: ['ax1ry1', 'ax2ay1', 'rx121'],
    consistency: 'read-committed',
    elle: ['G1c', 'duplicate-elements'],
    also: { G0: 'x = [1 2 1] puts 1 both before and after 2; Elle keeps one position, dsim reads both orders (duplicates already rule out read uncommitted)' },
    violates: ['read-uncommitted'],
  },
  {
    // Elle asks only for :internal and notes "there's a G0 here too, but we don't care".
    name: 'internal inconsistency',
    txns: ['ax1ax2ax4', 'ax3rx1234'],
    elle: ['internal'],
    also: { G0: "the G0 Elle's comment mentions", G1c: 't1 → t2 (wr: t2 read 1, 2 and 4) and t2 → t1 (ww: 3 before 4)' },
    violates: ['read-uncommitted'],
  },
  // unobserved-write-test: w3 is a red herring.
  { name: 'unobserved writes order the versions after the longest read', txns: ['ax1ay1', 'ax2ay2', 'ax3ay3', 'rx12', 'ry2'], consistency: 'serializable', elle: ['G-single', 'G0'], violates: ['read-uncommitted'] },
  // repeatable-read-test
  { name: 'write skew is not a read-committed violation', txns: ['rxay1', 'ryax1'], elle: ['G2-item'], holds: ['read-committed'], violates: ['serializable'], cycle: { type: 'G2-item', steps: ['rw', 'rw'] } },
  // G-nonadjacent-test
  {
    name: 'G-nonadjacent: two anti-dependencies, never adjacent',
    txns: ['ax1', 'rx1ry', 'ay1', 'ry1rx'],
    sequential: true,
    elle: ['G-nonadjacent'],
    holds: ['read-committed'],
    violates: ['snapshot-isolation'],
    cycle: { type: 'G-nonadjacent', steps: ['rw', 'wr', 'rw', 'wr'] },
  },
  { name: 'no G-nonadjacent when two anti-dependencies are adjacent', txns: ['rx5ay1', 'ryaz2', 'rzat3', 'rt3au4', 'ruax5'], sequential: true, consistency: 'snapshot-isolation', elle: [], holds: ['snapshot-isolation'] },
  // lost-update-test
  { name: 'lost update: two appends after reading the same version', txns: ['ax0', 'rx0ax1', 'rx0ax2'], sequential: true, elle: ['lost-update', 'G2-item'], holds: ['read-committed'], violates: ['snapshot-isolation'], cycle: { type: 'G2-item', steps: ['rw', 'rw'] } },
  { name: 'one transaction appending twice after its read is no lost update', txns: ['rxax1ax2', 'rx12'], sequential: true, elle: [], holds: ['strict-serializable'] },
  {
    // wr-process-test, jepsen-io/elle issue 21: t0 -wr-> t1 -process-> t2 -wr-> t0.
    name: 'G1c closed by process order',
    txns: [[1, 'ok', 'rx1ay1'], [2, 'ok', 'ry1'], [2, 'ok', 'ax1']],
    sequential: true,
    consistency: 'strong-session-serializable',
    elle: ['G1c-process'],
    holds: ['serializable'],
    violates: ['strong-session-serializable'],
    cycle: { type: 'G1c-process', steps: ['wr', 'wr', 'process'] },
  },
  // rr-g-single-item-test, rr-g-nonadjacent-item-test
  { name: 'G-single without predicates', txns: ['ax1ay1', 'rx1ry'], sequential: true, consistency: 'serializable', elle: ['G-single'], violates: ['snapshot-isolation'], cycle: { type: 'G-single', steps: ['rw', 'wr'] } },
  {
    name: 'G-nonadjacent without predicates',
    txns: ['ax1at1', 'rx1ry', 'ay1az2', 'rz2rt'],
    sequential: true,
    consistency: 'serializable',
    elle: ['G-nonadjacent'],
    violates: ['snapshot-isolation'],
    cycle: { type: 'G-nonadjacent', steps: ['rw', 'wr', 'rw', 'wr'] },
  },

  // rw_register_test.clj
  { name: 'rw-register G1a', model: 'rw-register', txns: [[0, 'ok', 'rx2'], [1, 'fail', 'wx2']], elle: ['G1a'], violates: ['read-committed'] },
  { name: 'rw-register G1b', model: 'rw-register', txns: ['rx2', 'wx2wx1'], elle: ['G1b'], violates: ['read-committed'] },
  {
    name: 'rw-register internal: a stale read of its own write',
    model: 'rw-register',
    txns: ['rx1wx2rx1'],
    elle: ['internal'],
    also: { 'garbage-read': 'no transaction wrote the 1 it read first' },
    violates: ['read-uncommitted'],
  },
  { name: 'rw-register internal: a consistent transaction', model: 'rw-register', txns: ['ry2wx2rx2wx1rx1', 'wy2'], elle: [] },
  { name: 'rw-register: a write-read chain across two registers', model: 'rw-register', txns: ['rx0wy1', 'ry1wx0'], elle: ['G1c'], violates: ['read-committed'] },
  {
    // Elle's wr-graph test: "this violates SI, but doesn't introduce a w-r conflict". Its full
    // checker, like dsim's, sees the write skew: each read a version the other overwrote.
    name: 'rw-register: write skew has no write-read cycle',
    model: 'rw-register',
    txns: ['rx0ry0wx1', 'rx0ry0wy1', 'wx0wy0'],
    elle: [],
    also: { 'G2-item': 'the write skew the Elle test names' },
    holds: ['read-committed', 'snapshot-isolation'],
    violates: ['serializable'],
  },
];

describe("the isolation checker agrees with Elle's own test cases", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const model = c.model ?? 'list-append';
      const history = txnHistory(specs(c));
      const result = check(history, { model, consistency: c.consistency ?? 'strict-serializable' });
      const expected = [...c.elle, ...Object.keys(c.also ?? {})].sort();
      expect([...result.anomalyTypes].sort(), JSON.stringify(result.anomalies.map((a) => a.explanation ?? a.type))).toEqual(expected);
      for (const m of c.holds ?? []) expect(check(history, { model, consistency: m }).valid, `holds under ${m}`).toBe(true);
      for (const m of c.violates ?? []) expect(check(history, { model, consistency: m }).valid, `violates ${m}`).toBe(false);
      if (c.violates !== undefined && c.violates.length > 0) expect(result.weakestViolated).toBe(c.violates[0]);
      if (c.cycle !== undefined) {
        const cycle = result.anomalies.find((a) => a.type === c.cycle!.type);
        expect(cycle?.kind).toBe('cycle');
        if (cycle?.kind === 'cycle') expect(cycle.steps.map((s) => s.kind).sort()).toEqual([...c.cycle.steps].sort());
      }
    });
  }
});
