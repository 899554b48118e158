/**
 * Every layout a Jepsen history is written in, on real files (test/fixtures/histories, sources in
 * SOURCE.md there), and the EDN reader's corners: what it accepts and what it refuses, with the
 * line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HistoryParseError, MAX_EDN_DEPTH, ParseStopped, parseEdnValue, parseHistory, readEdn } from '../../src/history/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'histories');
const load = (file: string): ReturnType<typeof parseHistory> => parseHistory(readFileSync(path.join(fixtures, file), 'utf8'));
/** The op fields Knossos compares: process, type, f, value. */
const ops = (file: string): unknown[] => load(file).events.map((e) => [e.process, e.type, e.f, e.value]);

function parseError(text: string): HistoryParseError {
  try {
    parseHistory(text);
  } catch (error) {
    if (error instanceof HistoryParseError) return error;
    throw error;
  }
  throw new Error('expected a HistoryParseError');
}

describe('layouts of real histories', () => {
  it('a vector of op maps with comments and a missing comma (Knossos)', () => {
    const parsed = load('knossos/bad-analysis.edn');
    expect(parsed.format).toBe('edn');
    expect(parsed.events).toHaveLength(16);
    // Each element keeps its own line, comments counted.
    expect(parsed.lines.slice(0, 3)).toEqual([1, 2, 3]);
    expect(parsed.lines[9]).toBe(11);
    expect(parsed.events[12]).toMatchObject({ process: 22, type: 'invoke', f: 'read', value: 3 });
  });

  it('a list of op maps, ( {...} {...} ) (Knossos)', () => {
    expect(ops('knossos/rethink-fail-minimal.edn')).toEqual([
      [0, 'invoke', 'write', 0],
      [0, 'ok', 'write', 0],
      [1, 'invoke', 'read', null],
      [2, 'invoke', 'write', 4],
      [1, 'ok', 'read', 3],
      [2, 'ok', 'write', 4],
      [3, 'invoke', 'read', null],
      [3, 'ok', 'read', 4],
    ]);
  });

  it('Knossos tuples, one op map per line with a BOM and CRLF, and Jepsen 0.3 records read the same', () => {
    expect(ops('derived/rethink-fail-minimal-tuples.edn')).toEqual(ops('knossos/rethink-fail-minimal.edn'));
    expect(ops('derived/cas-register-bug-lines-bom.edn')).toEqual(ops('knossos/cas-register-bug.edn'));
    const records = load('derived/cas-register-bug-jepsen-0.3.edn');
    expect(records.events.map((e) => [e.process, e.type, e.f, e.value])).toEqual(ops('knossos/cas-register-bug.edn'));
    expect(records.events[1]).toMatchObject({ index: 1, timeUs: 2000 });
  });

  it('nemesis ops are skipped and counted; errors and times are kept', () => {
    const parsed = load('knossos/mutex-etcd.edn');
    expect(parsed.skipped).toBe(12);
    expect(parsed.events[1]).toMatchObject({ index: 1, type: 'fail', f: 'release', error: 'not-held', timeUs: 342667 });
    expect(load('knossos/immediate-failure.edn').events[2]!.error).toBe('["temporarily-unavailable",null]');
  });

  it('transactions keep their micro-ops as plain values', () => {
    const parsed = load('knossos/multi-register.edn');
    expect(parsed.events[0]!.value).toEqual([['read', 'x', null]]);
    expect(parsed.events[1]!.value).toEqual([['read', 'x', null], ['read', 'y', null]]);
    expect(parseEdnValue('[[:append 1 2] [:r 1 nil] [:r 2 [1 2]]]')).toEqual([['append', 1, 2], ['r', 1, null], ['r', 2, [1, 2]]]);
  });

  it("Jepsen's log and history.txt op lines read like the EDN of the same run", () => {
    const log = load('porcupine/etcd_000.log');
    expect(log.format).toBe('jepsen-text');
    const edn = parseHistory(readFileSync(path.join(fixtures, '..', 'conformance', 'porcupine', 'etcd', 'etcd_000.edn'), 'utf8'));
    const core = (events: typeof log.events): unknown[] => events.map((e) => [e.process, e.type, e.f, e.type === 'ok' || e.type === 'invoke' ? e.value : null]);
    expect(core(log.events)).toEqual(core(edn.events));
    const txt = load('derived/etcd_000-history.txt');
    expect(txt.format).toBe('jepsen-text');
    expect(core(txt.events)).toEqual(core(log.events));
    expect(log.events.find((e) => e.type === 'info' && e.f === 'cas')).toMatchObject({ value: 'timed-out' });
    // Tabs expanded to spaces: still unambiguous, since each value is one EDN form.
    const spaced = load('porcupine/etcd_100.log');
    const spacedEdn = parseHistory(readFileSync(path.join(fixtures, '..', 'conformance', 'porcupine', 'etcd', 'etcd_100.edn'), 'utf8'));
    const ops = (events: typeof log.events): unknown[] => events.filter((e) => e.type !== 'info' && e.type !== 'fail').map((e) => [e.process, e.type, e.f, e.value]);
    expect(ops(spaced.events)).toEqual(ops(spacedEdn.events));
    expect(parseError('INFO  jepsen.util - 1   :ok     :cas    [1 2] oops').detail).toMatch(/without tabs, the rest of the line "\[1 2\] oops" should be one EDN value/);
  });

  it('jepsen.independent [k v] values parse as plain pairs', () => {
    const parsed = load('derived/independent-etcd-005-000.edn');
    expect(parsed.events[0]!.value).toEqual([0, null]);
    expect(parsed.events.some((e) => Array.isArray(e.value) && e.value[0] === 1)).toBe(true);
  });
});

describe('the EDN reader', () => {
  const value = parseEdnValue;

  it('reads numbers, strings, characters and symbolic values', () => {
    expect(value('[1 -2 +3 1.5 -1e3 2.5M 7N 1/4 0 -0.0]')).toEqual([1, -2, 3, 1.5, -1000, 2.5, 7, 0.25, 0, -0]);
    expect(value('123456789012345678901234567890')).toBe('123456789012345678901234567890');
    expect(value('"a\\tb\\n\\"c\\" \\u00e9 \\\\"')).toBe('a\tb\n"c" é \\');
    expect(value('[\\a \\newline \\space \\u0041 \\(]')).toEqual(['a', '\n', ' ', 'A', '(']);
    const [nan, inf, negInf] = value('[##NaN ##Inf ##-Inf]') as number[];
    expect(Number.isNaN(nan)).toBe(true);
    expect([inf, negInf]).toEqual([Infinity, -Infinity]);
  });

  it('reads keywords, symbols, sets, tags, discards and namespaced maps', () => {
    expect(value('[:a :ns/b sym nil true false]')).toEqual(['a', 'ns/b', 'sym', null, true, false]);
    expect(value('#{1 2}')).toEqual([1, 2]);
    expect(value('[#inst "2020-01-01T00:00:00Z" #uuid "x" #my.ns/Rec{:a 1}]')).toEqual(['2020-01-01T00:00:00Z', 'x', { a: 1 }]);
    expect(value('[1 #_ 2 #_ #_ 3 4 5]')).toEqual([1, 5]);
    expect(value('#:op{:a 1, :x/b 2, "c" 3}')).toEqual({ 'op/a': 1, 'x/b': 2, c: 3 });
    expect(value('{[1 2] :pair, nil 3}')).toEqual({ '[1,2]': 'pair', null: 3 });
    const proto = value('{"__proto__" 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('refuses what is not EDN data, naming the line', () => {
    const cases: [string, RegExp][] = [
      ['{:a 1}\n[1 2\n', /unclosed vector: expected \]/],
      ['1\u00002', /unexpected character U\+0000/],
      ['{:a 01}', /malformed number "01" \(a leading zero/],
      ['{:a 0x1F}', /hexadecimal/],
      ['[##Foo]', /unknown symbolic value ##Foo/],
      ['[::kw]', /auto-resolved keyword/],
      ['[#(inc %)]', /reader macro/],
      ['[^:meta x]', /metadata/],
      ['"abc', /unterminated string/],
      ['"\\q"', /bad escape/],
      ['{:a 1 :a 2}', /the key "a" twice/],
      ['{:a}', /odd number of forms/],
      ['(1 2]', /expected \) to close the list opened on line 2/],
      ['#_', /with no form after it/],
      ['[\\bogus]', /unknown character literal/],
      ['1/0', /divides by zero/],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        readEdn(`\n${text}`);
      } catch (e) {
        error = e;
      }
      expect(error, text).toBeInstanceOf(HistoryParseError);
      expect((error as HistoryParseError).detail, text).toMatch(message);
      expect((error as HistoryParseError).line, text).toBeGreaterThanOrEqual(2);
    }
  });

  it('bounds nesting with a clear message, at any depth', () => {
    expect(() => readEdn('['.repeat(MAX_EDN_DEPTH) + ']'.repeat(MAX_EDN_DEPTH))).not.toThrow();
    for (const depth of [MAX_EDN_DEPTH + 1, 100_000]) {
      expect(() => readEdn(`{:value ${'['.repeat(depth)}`)).toThrow(/nested more than 64 levels deep/);
    }
    expect(parseError(`{:process 0, :type :invoke, :f :w, :value ${'['.repeat(70)}${']'.repeat(70)}}`).detail).toMatch(/nested more than/);
  });

  it('stops when asked, with the line reached', () => {
    const text = '{:process 0, :type :invoke, :f :read, :value nil}\n'.repeat(20_000);
    let polls = 0;
    expect(() => parseHistory(text, 'auto', { shouldStop: () => ++polls > 3 })).toThrow(ParseStopped);
  });

  it('history-level refusals', () => {
    expect(parseError('{:process 0, :type :invoke, :f :read, :value nil}\n42\n').detail).toMatch(/expected an op map .* found 42/);
    expect(parseError('[[1 2] [3 4]]').detail).toMatch(/expected an op map .* found \[1,2\]/);
    expect(parseError('"just a string"').detail).toMatch(/expected ops/);
    expect(parseError('0\t:invoke\t:read\tnil\nnot an op\n')).toMatchObject({ line: 2, detail: expect.stringMatching(/expected a Jepsen op line/) as string });
    expect(parseError('0\t:invoke\t:read\t[1 2\n').detail).toMatch(/the value "\[1 2" is not EDN/);
    expect(parseHistory('').events).toEqual([]);
    expect(parseHistory('[]').events).toEqual([]);
    expect(parseHistory('()').events).toEqual([]);
  });
});
