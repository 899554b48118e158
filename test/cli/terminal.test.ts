import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneLine, terminalSafe } from '../../src/cli/terminal.js';

const ESC = '\x1b';

describe('terminalSafe', () => {
  it('keeps plain colour and weight, shows every other control as a JSON escape', () => {
    expect(terminalSafe(`${ESC}[31mred${ESC}[39m`, true)).toBe(`${ESC}[31mred${ESC}[39m`);
    expect(terminalSafe(`${ESC}[31mred${ESC}[39m`, false)).toBe('\\u001b[31mred\\u001b[39m');
    expect(terminalSafe(`${ESC}[2J${ESC}[8m${ESC}[5mx`, true)).toBe('\\u001b[2J\\u001b[8m\\u001b[5mx');
    expect(terminalSafe('a\rb\u202ec\u2066d\u0085e\x7f', true)).toBe('a\\u000db\\u202ec\\u2066d\\u0085e\\u007f');
    expect(terminalSafe('tab\tand\nnewline', false)).toBe('tab\tand\nnewline');
  });

  it('oneLine escapes newlines, tabs and colours too', () => {
    expect(oneLine(`a\nb\tc${ESC}[32m`)).toBe('a\\nb\\tc\\u001b[32m');
  });

  it('property: what it prints holds no control but newline, tab and plain colours, and a JSON line stays JSON (fast-check, seed 8)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (text, colour) => {
        const safe = terminalSafe(text, colour);
        // eslint-disable-next-line no-control-regex
        const stripped = colour ? safe.replace(/\x1b\[[0-9;]*m/g, '') : safe;
        // eslint-disable-next-line no-control-regex
        expect(stripped).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
        const line = JSON.stringify({ text });
        expect(JSON.parse(terminalSafe(line, colour))).toEqual({ text });
      }),
      { seed: 8, numRuns: 200 },
    );
  });
});
