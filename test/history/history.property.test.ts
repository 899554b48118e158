/**
 * Properties of the history formats: any history round-trips through EDN and JSON lines, in
 * every EDN layout; any text at all either parses or is refused with a HistoryParseError naming
 * a line, never another exception. Seeds are fixed; fast-check prints the seed on failure.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HistoryEvent } from '../../src/core/history.js';
import { HistoryParseError, parseHistory, plainToEdn, toEdn, toJsonLines } from '../../src/history/index.js';

const SEED = 1515;

/** Plain JSON-like values, as histories carry (no -0: JSON and EDN both print it as 0). */
const plainValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

const fName = fc.oneof(fc.constantFrom('read', 'write', 'cas', 'txn', 'add', 'generate'), fc.string({ minLength: 1, maxLength: 8 }));

const history: fc.Arbitrary<HistoryEvent[]> = fc
  .array(
    fc.record(
      {
        type: fc.constantFrom('invoke', 'ok', 'fail', 'info'),
        process: fc.nat({ max: 1000 }),
        f: fName,
        key: fc.string({ maxLength: 5 }),
        value: plainValue,
        timeUs: fc.nat({ max: 2 ** 40 }),
        node: fc.string({ maxLength: 4 }),
        error: fc.string({ minLength: 1, maxLength: 10 }),
        gap: fc.nat({ max: 3 }),
      },
      { requiredKeys: ['type', 'process', 'f', 'value', 'gap'] },
    ),
    { maxLength: 12 },
  )
  .map((rows) => {
    let index = -1;
    return rows.map(({ gap, ...row }) => {
      index += 1 + gap;
      return { index, ...row } as HistoryEvent;
    });
  });

describe('round trips', () => {
  it('any history survives EDN (one op per line) and JSON lines', () => {
    fc.assert(
      fc.property(history, (events) => {
        expect(parseHistory(toEdn(events)).events).toEqual(events);
        expect(parseHistory(toJsonLines(events)).events).toEqual(events);
        expect(parseHistory(toJsonLines(parseHistory(toEdn(events)).events)).events).toEqual(events);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('the vector, list and tagged-record layouts read the same events', () => {
    fc.assert(
      fc.property(history, fc.constantFrom('[', '('), fc.boolean(), (events, open, tagged) => {
        const lines = toEdn(events).split('\n').filter((l) => l !== '');
        const items = tagged ? lines.map((l) => `#jepsen.history.Op${l}`) : lines;
        const text = `; a comment\n${open}${items.join('\n ')}${open === '[' ? ']' : ')'}\n`;
        expect(parseHistory(text).events).toEqual(events);
      }),
      { seed: SEED + 1, numRuns: 200 },
    );
  });

  it('EDN writes every plain value so it reads back the same', () => {
    fc.assert(
      fc.property(plainValue, (value) => {
        const text = `{:process 0, :type :invoke, :f :x, :value ${plainToEdn(value)}}`;
        expect(parseHistory(text).events[0]!.value).toEqual(value);
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
  });
});

describe('any text', () => {
  const outcome = (text: string): 'parsed' | 'refused' => {
    try {
      parseHistory(text);
      return 'parsed';
    } catch (error) {
      if (error instanceof HistoryParseError) {
        expect(error.line).toBeGreaterThanOrEqual(1);
        expect(error.detail).not.toMatch(/undefined|\[object/);
        return 'refused';
      }
      throw error;
    }
  };

  it('random bytes parse or are refused with a line, never an internal error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        outcome(Buffer.from(bytes).toString('utf8'));
      }),
      { seed: SEED + 3, numRuns: 500 },
    );
  });

  it('mutated real histories parse or are refused, never an internal error', () => {
    const base = toEdn([
      { index: 0, type: 'invoke', process: 0, f: 'cas', value: [1, 2] },
      { index: 1, type: 'ok', process: 0, f: 'cas', value: [1, 2], timeUs: 5 },
      { index: 2, type: 'invoke', process: 1, f: 'txn', value: [['append', 1, 2], ['r', 1, null]] },
    ]);
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(), insert: fc.string({ unit: 'binary', maxLength: 3 }), drop: fc.nat({ max: 3 }) }), { maxLength: 5 }), (edits) => {
        let text = base;
        for (const { at, insert, drop } of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + drop);
        }
        outcome(text);
        outcome(`[${text}]`);
      }),
      { seed: SEED + 4, numRuns: 500 },
    );
  });
});
