/**
 * The running trace hash: 64 bits as two 32-bit lanes, each a multiply-xorshift mix (in the style
 * of murmur3's finalizer). Every event feeds a handful of integers, so hashing costs a few
 * multiplications per event, never a string encoding on the hot path.
 */
export class TraceHash {
  private h1 = 0x9e3779b9 | 0;
  private h2 = 0x85ebca6b | 0;

  /** Mixes one 32-bit integer (non-integers and large numbers are folded first). */
  mix(value: number): void {
    let k = value | 0;
    if (k !== value) k = foldNumber(value);
    let a = this.h1 ^ k;
    a = Math.imul(a ^ (a >>> 16), 0x85ebca6b);
    a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35);
    this.h1 = a ^ (a >>> 16);
    let b = this.h2 + Math.imul(k, 0x27d4eb2f);
    b = Math.imul(b ^ (b >>> 15), 0x165667b1);
    this.h2 = (b ^ (b >>> 13)) + this.h1;
  }

  /** An independent copy in the same state. */
  copy(): TraceHash {
    const twin = new TraceHash();
    twin.h1 = this.h1;
    twin.h2 = this.h2;
    return twin;
  }

  mixString(text: string): void {
    this.mix(hashString(text));
  }

  /** 16 hex digits. */
  hex(): string {
    return (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0');
  }
}

/** Folds any finite number (e.g. a time beyond 2^31 µs) into 32 bits, exactly for integers < 2^53. */
function foldNumber(value: number): number {
  if (Number.isInteger(value)) {
    const high = Math.floor(value / 0x1_0000_0000);
    return (value | 0) ^ Math.imul(high | 0, 0x9e3779b1);
  }
  return hashString(String(value));
}

/** FNV-1a over UTF-16 code units; memoized per distinct string by callers where hot. */
export function hashString(text: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

const TAG_UNDEFINED = 0x2f1a_0001;
const TAG_NULL = 0x2f1a_0002;
const TAG_TRUE = 0x2f1a_0003;
const TAG_FALSE = 0x2f1a_0004;
const TAG_ARRAY = 0x2f1a_0005;
const TAG_OBJECT = 0x2f1a_0006;
const TAG_MAP = 0x2f1a_0007;
const TAG_SET = 0x2f1a_0008;
const TAG_BIGINT = 0x2f1a_0009;
const TAG_FUNCTION = 0x2f1a_000a;
const TAG_SYMBOL = 0x2f1a_000b;
const TAG_FLOAT = 0x2f1a_000c;

const floatView = new Float64Array(1);
const floatWords = new Int32Array(floatView.buffer);

/**
 * 32-bit hashes of plain data by structure and content: numbers, strings, booleans, null and
 * undefined, arrays, Maps, Sets and objects (own keys in their own order, which deterministic code
 * keeps), BigInts by value. Functions and symbols count by kind and name only. Frozen objects are
 * hashed once and remembered, so a persisted log of frozen segments costs only its new segments.
 * One hasher per run: what it remembers never crosses into another run.
 */
export class ValueHasher {
  private readonly frozen = new WeakMap<object, number>();
  /** Values walked so far: how a walk tells whether its result is worth remembering. */
  private visited = 0;

  /** `tooDeep` makes the error thrown for data nested deeper than `maxDepth` (a cycle, usually). */
  constructor(
    private readonly maxDepth: number,
    private readonly tooDeep: (value: unknown) => Error,
  ) {}

  hash(value: unknown): number {
    try {
      return this.hashAny(value, 0);
    } catch (error) {
      // Reported for the whole value: a cycle's path starts at the top.
      if (error === TOO_DEEP) throw this.tooDeep(value);
      throw error;
    }
  }

  private hashAny(value: unknown, depth: number): number {
    // Most values are small integers and strings: tested first, without a call.
    if (typeof value === 'number') return (value | 0) === value ? combine(TAG_INT, value) : hashFloat(value);
    if (typeof value === 'string') return hashString(value);
    if (typeof value !== 'object') return hashOther(value);
    if (value === null) return TAG_NULL;
    // A value seen frozen before is not walked again (log entries re-sent, a snapshot, a persisted log).
    if (depth > 0) {
      const known = this.frozen.get(value);
      if (known !== undefined) return known;
    }
    if (depth >= this.maxDepth) throw TOO_DEEP;
    const next = depth + 1;
    const visitedBefore = this.visited;
    let h: number;
    if (Array.isArray(value)) {
      const n = value.length;
      h = combine(TAG_ARRAY, n);
      for (let i = 0; i < n; i++) {
        const item: unknown = value[i];
        h = combine(h, typeof item === 'number' && (item | 0) === item ? combine(TAG_INT, item) : this.hashAny(item, next));
      }
      this.visited += n;
    } else if (value instanceof Map) {
      h = combine(TAG_MAP, value.size);
      for (const [k, v] of value) h = combine(combine(h, this.hashAny(k, next)), this.hashAny(v, next));
      this.visited += value.size;
    } else if (value instanceof Set) {
      h = combine(TAG_SET, value.size);
      for (const v of value) h = combine(h, this.hashAny(v, next));
      this.visited += value.size;
    } else {
      h = TAG_OBJECT;
      const record = value as Record<string, unknown>;
      let n = 0;
      // for-in also visits inherited enumerable keys: plain data has none, and the same code has the same ones.
      for (const key in record) {
        const item = record[key];
        h = combine(combine(h, hashString(key)), typeof item === 'number' && (item | 0) === item ? combine(TAG_INT, item) : this.hashAny(item, next));
        n++;
      }
      this.visited += n;
    }
    // Remembering costs a weak-map entry: worth it only for frozen values that took some walking.
    if (depth > 0 && this.visited - visitedBefore >= REMEMBER_MIN_VALUES && Object.isFrozen(value)) this.frozen.set(value, h);
    return h;
  }
}

/** Frozen values that hold fewer values than this are walked each time: cheaper than remembering them. */
const REMEMBER_MIN_VALUES = 6;

const TAG_INT = 0x6b43_a9b5;
/** Thrown inside the walk; `hash` turns it into the caller's error for the whole value. */
const TOO_DEEP = new Error('too deep');

function hashFloat(value: number): number {
  floatView[0] = value;
  return combine(combine(TAG_FLOAT, floatWords[0]!), floatWords[1]!);
}

function hashOther(value: unknown): number {
  switch (typeof value) {
    case 'boolean':
      return value ? TAG_TRUE : TAG_FALSE;
    case 'undefined':
      return TAG_UNDEFINED;
    case 'bigint':
      return combine(TAG_BIGINT, hashString(value.toString(36)));
    case 'symbol':
      return combine(TAG_SYMBOL, hashString(value.description ?? ''));
    default:
      return TAG_FUNCTION;
  }
}

function combine(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x9e3779b1);
  return h ^ (h >>> 15);
}
