import { describe, expect, it } from 'vitest';
import {
  HistoryParseError,
  detectHistoryFormat,
  parseHistory,
  parseJsonLinesHistory,
  toEdn,
  toJsonLines,
} from '../../src/history/index.js';
import type { HistoryEvent } from '../../src/core/history.js';

const events: HistoryEvent[] = [
  { index: 0, type: 'invoke', process: 1, f: 'write', key: 'a', value: 3, timeUs: 1500 },
  { index: 1, type: 'ok', process: 1, f: 'write', key: 'a', value: 3, timeUs: 1600, node: 'n1' },
  { index: 2, type: 'invoke', process: 2, f: 'read', value: null },
  { index: 3, type: 'info', process: 2, f: 'read', value: null, error: 'timeout' },
];

describe('JSON lines histories', () => {
  it('round-trips with a fixed field order', () => {
    const text = toJsonLines(events);
    expect(text.split('\n')[0]).toBe('{"index":0,"type":"invoke","process":1,"f":"write","key":"a","value":3,"timeUs":1500}');
    expect(parseJsonLinesHistory(text)).toEqual(events);
  });

  it('converts both ways with EDN', () => {
    expect(parseHistory(toEdn(parseJsonLinesHistory(toJsonLines(events)))).events).toEqual(events);
  });

  it('reports the line of malformed JSON and of bad fields', () => {
    const bad = (text: string): HistoryParseError => {
      try {
        parseJsonLinesHistory(text);
      } catch (error) {
        if (error instanceof HistoryParseError) return error;
        throw error;
      }
      throw new Error('expected a HistoryParseError');
    };
    const lines = toJsonLines(events).split('\n');
    expect(bad(`${lines[0]}\n\n{"index":1,`).line).toBe(3);
    expect(bad(`${lines[0]}\n[1,2]`).detail).toMatch(/expected a JSON object/);
    expect(bad(`${lines[0]}\n{"index":1,"type":"okay","process":1,"f":"w"}`).detail).toMatch(/:type must be one of/);
  });

  it('detects the format', () => {
    expect(detectHistoryFormat(toJsonLines(events))).toBe('jsonl');
    expect(detectHistoryFormat(toEdn(events))).toBe('edn');
    expect(detectHistoryFormat('[{:process 1}]')).toBe('edn');
    expect(parseHistory(toJsonLines(events)).format).toBe('jsonl');
    expect(parseHistory(toJsonLines(events), 'jsonl').lines).toEqual([1, 2, 3, 4]);
  });
});
