import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTable, wrap } from '../../src/cli/table.js';

const cell = fc.stringMatching(/^[a-z0-9 ,.✓✗-]{0,40}$/);

describe('formatTable', () => {
  it('aligns columns two spaces apart, with a rule when asked, and no trailing spaces', () => {
    const text = formatTable({ header: ['mode', 'runs', 'note'], rows: [['async', '2', ''], ['semi-sync k=1', '14', 'held']], rule: true });
    expect(text.split('\n')).toEqual(['mode           runs  note', '-------------  ----  ----', 'async          2', 'semi-sync k=1  14    held']);
  });

  it('wraps the widest cells at spaces, commas and hyphens to fit the width', () => {
    const text = formatTable({ header: ['scenario', 'checks'], rows: [['ms-sync-failover-stale-primary-reads', '✓health ✗linearizable ✓durable']], width: 30 });
    const lines = text.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(30);
    expect(lines.map((l) => l.slice(0, 14).trim()).slice(1).join('')).toBe('ms-sync-failover-stale-primary-reads');
    expect(lines.map((l) => l.slice(16).trim()).slice(1).filter((l) => l !== '').join(' ')).toBe('✓health ✗linearizable ✓durable');
  });

  it('paints whole lines of a row, so widths are measured without escape codes', () => {
    const text = formatTable({ header: ['a', 'b'], rows: [['x', 'y']], paint: (i, line) => `<${i}>${line}</${i}>`, bold: (line) => `*${line}*` });
    expect(text).toBe('*a  b*\n<0>x  y</0>');
  });

  it('property: every line fits the width (when the columns can shrink to it), none ends in a space, and no text is lost', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 3, maxLength: 3 }), { maxLength: 6 }), fc.integer({ min: 40, max: 120 }), (rows, width) => {
        const text = formatTable({ header: ['one', 'two', 'three'], rows, width });
        for (const line of text.split('\n')) {
          expect(line).not.toMatch(/ $/);
          expect(line.length).toBeLessThanOrEqual(width);
        }
        // The same characters, in whatever lines they landed.
        const chars = (s: string): string => [...s.replace(/\s+/g, '')].sort().join('');
        expect(chars(text)).toBe(chars(['one', 'two', 'three', ...rows.flat()].join('')));
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  it('wrap cuts a word longer than the column', () => {
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrap('held 2/2, broken 1/2', 9)).toEqual(['held 2/2,', 'broken', '1/2']);
  });
});
