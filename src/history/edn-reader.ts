/**
 * A strict EDN reader that turns text into plain data, form by form, with the line of every form.
 *
 * Why not a library: histories come from users, so every malformed byte must become a clear
 * "line N: ..." (never a stack trace), nesting must be bounded without recursion, and a reader
 * of a 200 MB file must be stoppable by a timeout. The npm EDN readers forgive malformed text
 * (an unclosed map, a key without a value) and recurse per level.
 *
 * Mapping to plain data: nil → null; keywords and symbols → their name as a string (`:ok` →
 * "ok", `:a/b` → "a/b"); vectors, lists and sets → arrays; maps → objects with string keys (a
 * non-string key is written as its JSON); characters → one-character strings; integers beyond
 * 2^53 → their decimal string; ratios and BigDecimals → numbers; `##NaN`, `##Inf`, `##-Inf` →
 * NaN, Infinity, -Infinity. A tagged literal (`#inst "..."`, `#jepsen.history.Op{...}`) is its
 * value: the tag is dropped. `#_` discards the next form. A byte-order mark is whitespace.
 */
import { HistoryParseError, ParseStopped } from './errors.js';

/** Containers deeper than this are refused: the checkers recurse over values. */
export const MAX_EDN_DEPTH = 64;

export interface EdnReadOptions {
  /** Polled every few thousand forms; returning true stops reading with a ParseStopped. */
  readonly shouldStop?: () => boolean;
  /** Record the start line of each element of a top-level vector or list (default false). */
  readonly elementLines?: boolean;
}

/** One top-level form. */
export interface EdnForm {
  readonly value: unknown;
  /** 1-based line where the form starts. */
  readonly line: number;
  readonly kind: 'map' | 'vector' | 'list' | 'set' | 'atom';
  /** True when the form was a tagged literal (`#tag form`). */
  readonly tagged: boolean;
  /** With `elementLines`, for a vector or list: the start line of each element. */
  readonly elementLines?: readonly number[];
}


type Kind = 'map' | 'vector' | 'list' | 'set';

interface Frame {
  readonly kind: Kind;
  readonly line: number;
  readonly items: unknown[];
  /** Start lines of items (top-level sequences, when asked). */
  readonly lines: number[] | undefined;
  /** `#:ns{...}`: keyword keys without a namespace get this one. */
  readonly namespace: string | undefined;
  /** Pending `#tag` (true) and `#_` (false) prefixes, innermost last. */
  readonly prefixes: boolean[];
  /** For namespaced maps: whether each item was a keyword (only those keys are qualified). */
  readonly keywords: boolean[] | undefined;
  /** Start line of the element being read (for `lines`). */
  elementLine: number;
}

const CLOSER: Readonly<Record<Kind, number>> = { map: 0x7d, set: 0x7d, vector: 0x5d, list: 0x29 };
const CLOSER_CHAR: Readonly<Record<Kind, string>> = { map: '}', set: '}', vector: ']', list: ')' };

// Character classes, by code unit.
const WS = 1;
const DELIM = 2;
const TOKEN = 4;
const CLASS = new Uint8Array(128);
for (const c of ' \t\n\r,\f\v') CLASS[c.charCodeAt(0)] = WS | DELIM;
for (const c of '()[]{}";') CLASS[c.charCodeAt(0)] = DELIM;
for (let c = 0x30; c <= 0x39; c++) CLASS[c] = TOKEN;
for (let c = 0x41; c <= 0x5a; c++) CLASS[c] = TOKEN;
for (let c = 0x61; c <= 0x7a; c++) CLASS[c] = TOKEN;
for (const c of '.*+!-_?$%&=<>/:#\'|') CLASS[c.charCodeAt(0)] = TOKEN;

const BOM = 0xfeff;
const NAMED_CHARS: Readonly<Record<string, string>> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  return: '\r',
  backspace: '\b',
  formfeed: '\f',
};

const INTEGER = /^[+-]?(?:0|[1-9][0-9]*)N?$/;
const FLOAT = /^[+-]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?M?$/;
const RATIO = /^[+-]?[0-9]+\/[0-9]+$/;

function describeChar(code: number): string {
  if (code >= 0x21 && code < 0x7f) return JSON.stringify(String.fromCharCode(code));
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Is `code` allowed inside a symbol, keyword or number token? */
function isTokenChar(code: number): boolean {
  if (code < 128) return (CLASS[code]! & TOKEN) !== 0;
  // Unicode letters and symbols are fine in Clojure symbols; the BOM and C1 controls are not.
  return code !== BOM && !(code >= 0x80 && code < 0xa0) && code !== 0x2028 && code !== 0x2029;
}

function isDelimiter(code: number): boolean {
  return code < 128 ? (CLASS[code]! & DELIM) !== 0 || (CLASS[code]! & TOKEN) === 0 : code === BOM;
}

function setProperty(target: Record<string, unknown>, key: string, value: unknown): void {
  // A key named __proto__ must become data, not the object's prototype.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function keyName(key: unknown): string {
  if (typeof key === 'string') return key;
  try {
    return JSON.stringify(key) ?? String(key);
  } catch {
    return String(key);
  }
}

/**
 * Reads every top-level form of `text`. Throws HistoryParseError (with the line) for text that
 * is not EDN, and ParseStopped when `shouldStop` says so.
 */
export function readEdn(text: string, options: EdnReadOptions = {}): EdnForm[] {
  const forms: EdnForm[] = [];
  const reader = new EdnReader(text, options);
  for (;;) {
    const form = reader.next();
    if (form === undefined) return forms;
    forms.push(form);
  }
}

/** Reads forms one at a time. */
export class EdnReader {
  private pos = 0;
  private line = 1;
  private readonly stack: Frame[] = [];
  /** Prefixes before a top-level form. */
  private readonly topPrefixes: boolean[] = [];
  private topLine = 1;
  private topTagged = false;
  private countdown = 4096;

  constructor(
    private readonly text: string,
    private readonly options: EdnReadOptions = {},
  ) {}

  /** 1-based line the reader has reached. */
  get currentLine(): number {
    return this.line;
  }

  /** The next top-level form, or undefined at the end of the text. */
  next(): EdnForm | undefined {
    const text = this.text;
    const n = text.length;
    const stack = this.stack;
    for (;;) {
      // Skip whitespace, commas and comments.
      let code = 0;
      while (this.pos < n) {
        code = text.charCodeAt(this.pos);
        if (code === 0x0a) {
          this.line++;
          this.pos++;
        } else if ((code < 128 && (CLASS[code]! & WS) !== 0) || code === BOM) {
          this.pos++;
        } else if (code === 0x3b) {
          while (this.pos < n && text.charCodeAt(this.pos) !== 0x0a) this.pos++;
        } else {
          break;
        }
      }
      if (this.pos >= n) {
        const open = stack[stack.length - 1];
        if (open !== undefined) throw new HistoryParseError(open.line, `unclosed ${open.kind}: expected ${CLOSER_CHAR[open.kind]} before the end of the text`);
        if (this.topPrefixes.length > 0) throw new HistoryParseError(this.line, 'a tag or #_ with no form after it at the end of the text');
        return undefined;
      }
      if (--this.countdown === 0) {
        this.countdown = 4096;
        if (this.options.shouldStop?.() === true) throw new ParseStopped(this.line);
      }
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (this.topPrefixes.length === 0) {
          this.topLine = this.line;
          this.topTagged = false;
        }
      } else if (top.prefixes.length === 0 && top.lines !== undefined) {
        top.elementLine = this.line;
      }
      const startLine = this.line;
      let value: unknown;
      let kind: EdnForm['kind'] = 'atom';
      switch (code) {
        case 0x28: // (
          this.open('list', 1);
          continue;
        case 0x5b: // [
          this.open('vector', 1);
          continue;
        case 0x7b: // {
          this.open('map', 1);
          continue;
        case 0x29: // )
        case 0x5d: // ]
        case 0x7d: {
          // }
          const closed = this.close(code);
          value = closed.value;
          kind = closed.kind;
          break;
        }
        case 0x22: // "
          value = this.readString();
          break;
        case 0x5c: // \
          value = this.readChar();
          break;
        case 0x23: {
          // #
          const dispatched = this.dispatch();
          if (dispatched === undefined) continue;
          value = dispatched.value;
          break;
        }
        case 0x5e: // ^
          throw new HistoryParseError(this.line, 'metadata (^) is Clojure, not EDN data');
        default:
          value = this.readToken();
      }
      const form = this.complete(value, kind, startLine);
      if (form !== undefined) return form;
    }
  }

  private open(kind: Kind, width: number, namespace?: string): void {
    if (this.stack.length >= MAX_EDN_DEPTH) {
      throw new HistoryParseError(this.line, `data nested more than ${MAX_EDN_DEPTH} levels deep`);
    }
    const lines = this.stack.length === 0 && this.options.elementLines === true && (kind === 'vector' || kind === 'list') ? [] : undefined;
    const keywords = namespace === undefined ? undefined : [];
    this.stack.push({ kind, line: this.line, items: [], lines, namespace, prefixes: [], keywords, elementLine: this.line });
    this.pos += width;
  }

  private close(code: number): { value: unknown; kind: Kind } {
    const frame = this.stack.pop();
    const c = String.fromCharCode(code);
    if (frame === undefined) throw new HistoryParseError(this.line, `unexpected ${c} with nothing open`);
    if (CLOSER[frame.kind] !== code) {
      throw new HistoryParseError(this.line, `expected ${CLOSER_CHAR[frame.kind]} to close the ${frame.kind} opened on line ${frame.line}, found ${c}`);
    }
    if (frame.prefixes.length > 0) throw new HistoryParseError(this.line, `a tag or #_ with no form after it before ${c}`);
    this.pos++;
    this.closedLines = frame.lines;
    if (frame.kind !== 'map') return { value: frame.items, kind: frame.kind };
    const items = frame.items;
    if (items.length % 2 !== 0) throw new HistoryParseError(frame.line, 'a map with a key but no value (odd number of forms)');
    const out: Record<string, unknown> = {};
    for (let i = 0; i < items.length; i += 2) {
      let key = keyName(items[i]);
      if (frame.keywords?.[i] === true && !key.includes('/')) key = `${frame.namespace!}/${key}`;
      if (Object.prototype.hasOwnProperty.call(out, key)) throw new HistoryParseError(frame.line, `a map with the key ${JSON.stringify(key)} twice`);
      setProperty(out, key, items[i + 1]);
    }
    return { value: out, kind: 'map' };
  }

  /** Lines of the elements of the container closed last (top-level sequences only). */
  private closedLines: number[] | undefined;
  /** Whether the token read last was a keyword (for namespaced maps' keys). */
  private lastWasKeyword = false;

  /** Delivers a finished value to the enclosing container, or returns it as a top-level form. */
  private complete(value: unknown, kind: EdnForm['kind'], startLine: number): EdnForm | undefined {
    const wasKeyword = kind === 'atom' && this.lastWasKeyword;
    this.lastWasKeyword = false;
    const top = this.stack[this.stack.length - 1];
    const prefixes = top === undefined ? this.topPrefixes : top.prefixes;
    let tagged = false;
    while (prefixes.length > 0) {
      if (prefixes.pop() === false) return undefined; // #_ discards the form
      tagged = true;
    }
    if (top !== undefined) {
      top.keywords?.push(wasKeyword);
      top.items.push(value);
      top.lines?.push(top.elementLine);
      return undefined;
    }
    const lines = kind === 'vector' || kind === 'list' ? this.closedLines : undefined;
    this.closedLines = undefined;
    const form: { -readonly [K in keyof EdnForm]: EdnForm[K] } = {
      value,
      line: kind === 'atom' ? startLine : this.topLine,
      kind,
      tagged: tagged || this.topTagged,
    };
    if (lines !== undefined) form.elementLines = lines;
    return form;
  }

  private readString(): string {
    const text = this.text;
    const startLine = this.line;
    let i = this.pos + 1;
    let out = '';
    let from = i;
    for (;;) {
      if (i >= text.length) throw new HistoryParseError(startLine, 'unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x0a) this.line++;
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(from, i);
      const e = text[i + 1];
      switch (e) {
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'n':
          out += '\n';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '\\':
        case '"':
          out += e;
          break;
        case 'u': {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new HistoryParseError(this.line, `bad escape \\u${hex} in a string (expected 4 hex digits)`);
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        default: {
          // Clojure's octal escapes: \0 to \377.
          const octal = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4))?.[0];
          if (octal !== undefined && parseInt(octal, 8) <= 0o377) {
            out += String.fromCharCode(parseInt(octal, 8));
            i += octal.length - 1;
            break;
          }
          throw new HistoryParseError(this.line, `bad escape \\${e ?? ''} in a string`);
        }
      }
      i += 2;
      from = i;
    }
    out += text.slice(from, i);
    this.pos = i + 1;
    return out;
  }

  private readChar(): string {
    const text = this.text;
    // The first character is taken whatever it is (\( and \space both start this way).
    let i = this.pos + 2;
    if (this.pos + 1 >= text.length) throw new HistoryParseError(this.line, 'a \\ with no character after it');
    while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
    const token = text.slice(this.pos + 1, i);
    this.pos = i;
    if (token.length === 1) return token;
    const named = NAMED_CHARS[token];
    if (named !== undefined) return named;
    if (/^u[0-9a-fA-F]{4}$/.test(token)) return String.fromCharCode(parseInt(token.slice(1), 16));
    if (/^o[0-7]{1,3}$/.test(token) && parseInt(token.slice(1), 8) <= 0o377) return String.fromCharCode(parseInt(token.slice(1), 8));
    throw new HistoryParseError(this.line, `unknown character literal \\${token}`);
  }

  /** After `#`: a set, a discard, a symbolic value, a namespaced map or a tag. Undefined: keep reading. */
  private dispatch(): { value: unknown } | undefined {
    const text = this.text;
    const next = text[this.pos + 1];
    const top = this.stack[this.stack.length - 1];
    const prefixes = top === undefined ? this.topPrefixes : top.prefixes;
    switch (next) {
      case '{':
        this.open('set', 2);
        return undefined;
      case '_':
        prefixes.push(false);
        this.pos += 2;
        return undefined;
      case '#': {
        let i = this.pos + 2;
        while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
        const name = text.slice(this.pos + 2, i);
        this.pos = i;
        if (name === 'NaN') return { value: NaN };
        if (name === 'Inf') return { value: Infinity };
        if (name === '-Inf') return { value: -Infinity };
        throw new HistoryParseError(this.line, `unknown symbolic value ##${name} (expected ##NaN, ##Inf or ##-Inf)`);
      }
      case ':': {
        // A namespaced map: #:ns{:a 1} has the key :ns/a.
        let i = this.pos + 2;
        while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
        const ns = text.slice(this.pos + 2, i);
        if (ns === '' || text[i] !== '{') throw new HistoryParseError(this.line, 'a #: must be followed by a namespace and a map, as in #:ns{:a 1}');
        this.pos = i;
        this.open('map', 1, ns);
        return undefined;
      }
      case '"':
        // A regex literal (Clojure): kept as its source string.
        this.pos++;
        return { value: this.readString() };
      default: {
        let i = this.pos + 1;
        while (i < text.length && !isDelimiter(text.charCodeAt(i))) i++;
        const tag = text.slice(this.pos + 1, i);
        if (!/^[A-Za-z][^#]*$/.test(tag)) {
          const macro = tag === '' ? text.slice(i, i + 1) : tag;
          throw new HistoryParseError(this.line, macro === '' || /\s/.test(macro) ? 'a # with no tag name' : `#${macro} is a Clojure reader macro, not EDN data`);
        }
        prefixes.push(true);
        if (top === undefined && prefixes.length === 1) {
          this.topLine = this.line;
          this.topTagged = true;
        }
        this.pos = i;
        return undefined;
      }
    }
  }

  private readToken(): unknown {
    const text = this.text;
    const start = this.pos;
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (isTokenChar(c)) {
        i++;
        continue;
      }
      if (isDelimiter(c)) break;
      throw new HistoryParseError(this.line, `unexpected character ${describeChar(c)}${i > start ? ` in ${JSON.stringify(text.slice(start, i))}` : ''}`);
    }
    if (i === start) throw new HistoryParseError(this.line, `unexpected character ${describeChar(text.charCodeAt(i))}`);
    this.pos = i;
    const token = text.slice(start, i);
    const first = token.charCodeAt(0);
    const second = token.charCodeAt(1);
    const numeric = (first >= 0x30 && first <= 0x39) || ((first === 0x2b || first === 0x2d) && second >= 0x30 && second <= 0x39);
    if (numeric) return this.number(token);
    if (first === 0x3a) {
      // :keyword
      if (token.length === 1) throw new HistoryParseError(this.line, 'an empty keyword');
      if (second === 0x3a) throw new HistoryParseError(this.line, `auto-resolved keyword ${token} is Clojure, not EDN data`);
      const name = token.slice(1);
      if (name.endsWith('/') || name.startsWith('/')) throw new HistoryParseError(this.line, `malformed keyword ${token}`);
      this.lastWasKeyword = true;
      return name;
    }
    switch (token) {
      case 'nil':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
    }
    if (first === 0x23 || first === 0x27) throw new HistoryParseError(this.line, `malformed symbol ${token}`);
    return token;
  }

  private number(token: string): unknown {
    if (INTEGER.test(token)) {
      const digits = token.endsWith('N') ? token.slice(0, -1) : token;
      const value = Number(digits);
      if (Number.isSafeInteger(value)) return value;
      return BigInt(digits).toString();
    }
    if (FLOAT.test(token)) return Number(token.endsWith('M') ? token.slice(0, -1) : token);
    if (RATIO.test(token)) {
      const [num, den] = token.split('/') as [string, string];
      if (Number(den) === 0) throw new HistoryParseError(this.line, `ratio ${token} divides by zero`);
      return Number(num) / Number(den);
    }
    const why = /^[+-]?0[0-9]/.test(token) ? ' (a leading zero: octal is Clojure, not EDN)' : /^[+-]?0[xX]/.test(token) ? ' (hexadecimal is Clojure, not EDN)' : '';
    throw new HistoryParseError(this.line, `malformed number ${JSON.stringify(token)}${why}`);
  }
}
