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
