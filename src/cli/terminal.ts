/**
 * What reaches the terminal cannot steer it. Scenario names, file names, protocol messages and
 * check details come from files and code dsim does not control: an escape sequence in one could
 * clear the screen and print a fake "HELD", a carriage return overwrite a line, a right-to-left
 * override turn BROKEN into NEKORB. Everything dsim prints goes through `terminalSafe`: control
 * characters and bidirectional controls become visible escapes (`\u001b`, `\u202e`: the JSON
 * escape, so a `--json` line stays JSON and parses back to the very text); the only escape
 * sequences left are the colours dsim itself draws with (SGR with plain colour and weight codes —
 * never conceal, blink or cursor movement).
 */

/** SGR parameters chalk uses: reset, bold/dim/italic/underline/inverse/strike and their ends, colours. */
const SAFE_SGR = new Set([0, 1, 2, 3, 4, 7, 9, 21, 22, 23, 24, 27, 29, 39, 49, ...range(30, 37), ...range(40, 47), ...range(90, 97), ...range(100, 107)]);

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// C0 controls but \t and \n, DEL, C1 controls, bidi embeddings/overrides/isolates and marks, and
// the line and paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;
const ANY_UNSAFE = new RegExp(UNSAFE.source);
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[([0-9;]*)m/g;

function visible(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Text safe to print: `colour` keeps dsim's own SGR colour sequences (when colour is on); every
 * other control character is shown escaped.
 */
export function terminalSafe(text: string, colour: boolean): string {
  if (!ANY_UNSAFE.test(text)) return text;
  if (!colour) return text.replace(UNSAFE, visible);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(SGR)) {
    const params = match[1] === '' ? [0] : match[1]!.split(';').map(Number);
    if (!params.every((p) => SAFE_SGR.has(p))) continue;
    out += text.slice(last, match.index).replace(UNSAFE, visible) + match[0];
    last = match.index! + match[0].length;
  }
  return out + text.slice(last).replace(UNSAFE, visible);
}

/** One line of user-supplied text (a name, a path): every control shown escaped, newlines, tabs and colours too. */
export function oneLine(text: string): string {
  return terminalSafe(text, false).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\n' : '\\t'));
}
