import { describe, expect, it } from 'vitest';
import { HistoryParseError, parseEdnHistory, parseEdnHistoryDetailed, parseHistory, toEdn } from '../../src/history/index.js';
import type { HistoryEvent } from '../../src/core/history.js';

function parseError(text: string): HistoryParseError {
  try {
    parseEdnHistory(text);
  } catch (error) {
    if (error instanceof HistoryParseError) return error;
    throw error;
  }
  throw new Error('expected a HistoryParseError');
}

describe('EDN histories, one op map per line', () => {
  it('maps keywords to strings, nil to null, vectors to arrays and numbers the events', () => {
    const text = [
      '{:process 0, :type :invoke, :f :read, :value nil}',
      '{:process 3, :type :invoke, :f :cas, :value [1 4]}',
      '{:process 0, :type :ok, :f :read, :value nil}',
      '{:process 3, :type :fail, :f :cas, :value [1 4]}',
    ].join('\n');
    expect(parseEdnHistory(text)).toEqual([
      { index: 0, type: 'invoke', process: 0, f: 'read', value: null },
      { index: 1, type: 'invoke', process: 3, f: 'cas', value: [1, 4] },
      { index: 2, type: 'ok', process: 0, f: 'read', value: null },
      { index: 3, type: 'fail', process: 3, f: 'cas', value: [1, 4] },
    ]);
  });

  it('reads keys, errors, nodes, :index and :time (nanoseconds to microseconds)', () => {
    const text = [
      '{:index 10, :time 1500000, :process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}',
      '{:index 12, :time 2500999, :process 9, :type :info, :f :append, :key "0", :value nil, :error :timed-out, :node "n1"}',
    ].join('\n');
    expect(parseEdnHistory(text)).toEqual([
      { index: 10, type: 'invoke', process: 9, f: 'append', key: '0', value: 'x 9 0 y', timeUs: 1500 },
      { index: 12, type: 'info', process: 9, f: 'append', key: '0', value: null, timeUs: 2500, error: 'timed-out', node: 'n1' },
    ]);
  });

  it('turns sets, lists and maps in values into plain data', () => {
    const [event] = parseEdnHistory('{:process 1, :type :ok, :f :read, :value #{3 1 2}, :meta {:a (1 2) "b" [:c nil]}}');
    expect(event!.value).toEqual([3, 1, 2]);
    const [withMap] = parseEdnHistory('{:process 1, :type :ok, :f :read, :value {:a (1 2) "b" [:c nil]}}');
    expect(withMap!.value).toEqual({ a: [1, 2], b: ['c', null] });
  });

  it('skips blank lines, comments and nemesis ops, keeping line numbers', () => {
    const text = [
      '; a comment',
      '',
      '{:process :nemesis, :type :info, :f :start, :value nil}',
      '{:process 1, :type :invoke, :f :write, :value 3} ; trailing comment',
      '{:process 1, :type :ok, :f :write, :value 3}',
    ].join('\n');
    const parsed = parseEdnHistoryDetailed(text);
    expect(parsed.events.map((e) => e.type)).toEqual(['invoke', 'ok']);
    expect(parsed.lines).toEqual([4, 5]);
    expect(parsed.skipped).toBe(1);
  });

  it('accepts the empty history', () => {
    expect(parseEdnHistory('')).toEqual([]);
    expect(parseEdnHistory('\n\n')).toEqual([]);
  });
});

describe('EDN histories, one vector of maps', () => {
  it('parses a multi-line vector and reports the line of a bad element', () => {
    const text = '[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok, :f :write, :value 1}]\n';
    expect(parseEdnHistory(text).map((e) => e.type)).toEqual(['invoke', 'ok']);
    const bad = parseError('[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :done, :f :write}]');
    expect(bad.line).toBe(2);
    expect(bad.detail).toMatch(/:type must be one of/);
  });
});

describe('malformed EDN is reported with its 1-based line', () => {
  it.each([
    ['{:process 0, :type :invoke, :f :read, :value nil', 1, /unclosed map/],
    ['[1 2 3]', 1, /expected an op map/],
    ['{:process 0 :type}', 1, /odd number of forms/],
    ['{:process 0, :type :invoke, :f :read} {:process 1}', 1, /:type must be one of/],
    ['{:process 0, :type :invoke, :f :read, :value "abc}', 1, /unterminated string/],
    ['{:process 0, :type :invoke, :f :read, :value nil]', 1, /expected \}/],
  ])('%s', (text, line, message) => {
    const error = parseError(`{:process 5, :type :invoke, :f :read, :value nil}\n${text}`);
    expect(error.line).toBe(line + 1);
    expect(error.detail).toMatch(message);
    expect(error.message).toBe(`line ${line + 1}: ${error.detail}`);
  });

  it('rejects missing or ill-typed fields', () => {
    expect(parseError('{:type :invoke, :f :read}').detail).toMatch(/missing :process/);
    expect(parseError('{:process -1, :type :invoke, :f :read}').detail).toMatch(/:process must be/);
    expect(parseError('{:process 1, :type :invoke}').detail).toMatch(/missing :f/);
    expect(parseError('{:process 1, :type :invoke, :f :read, :time "soon"}').detail).toMatch(/:time must be a number/);
    const order = parseError('{:index 5, :process 1, :type :invoke, :f :read}\n{:index 5, :process 1, :type :ok, :f :read}');
    expect(order.line).toBe(2);
    expect(order.detail).toMatch(/does not increase/);
  });
});

describe('toEdn', () => {
  it('round-trips through the parser', () => {
    const events: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 1, f: 'cas', key: 'k"1', value: [1, 2], timeUs: 5 },
      { index: 1, type: 'invoke', process: 2, f: 'write', value: { nested: ['a<b>', null, true, 1.5] } },
      { index: 2, type: 'ok', process: 1, f: 'cas', key: 'k"1', value: [1, 2], timeUs: 17, node: 'n2' },
      { index: 3, type: 'info', process: 2, f: 'write', value: null, error: 'timed-out' },
      { index: 4, type: 'invoke', process: 3, f: 'read', value: null },
      { index: 5, type: 'fail', process: 3, f: 'read', value: 'line\nbreak "quoted" \\ tab\t', error: 'no leader, sorry' },
    ];
    const text = toEdn(events);
    expect(text.split('\n')[0]).toBe('{:process 1, :type :invoke, :f :cas, :key "k\\"1", :value [1 2], :time 5000, :index 0}');
    expect(parseEdnHistory(text)).toEqual(events);
    expect(parseHistory(text).format).toBe('edn');
  });

  it('writes nothing for the empty history', () => {
    expect(toEdn([])).toBe('');
  });
});
