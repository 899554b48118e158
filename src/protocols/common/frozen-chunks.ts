/**
 * A growing list kept as frozen chunks, for persisting: the kernel shares frozen values instead of
 * copying them (core/clone.ts), so persisting the chunk list costs the chunks that changed, not
 * the whole list. Chunks merge like a binary counter (the last two merge while the older is no
 * bigger), so there are O(log n) of them and each item is copied O(log n) times over a whole run:
 * persisting after every append is O(log n) amortized instead of O(n).
 *
 * The chunk list itself is a plain mutable array (part of a protocol's state); its chunks and the
 * items in them are frozen and never change.
 */
export type Chunks<T> = Array<readonly T[]>;

/** Appends `items` (frozen here: they must never change again) as a new chunk, then merges. */
export function appendChunk<T>(chunks: Chunks<T>, items: readonly T[]): void {
  if (items.length === 0) return;
  for (const item of items) if (typeof item === 'object' && item !== null) Object.freeze(item);
  chunks.push(Object.freeze(items.slice()));
  mergeTail(chunks);
}

/** Keeps the first `length` items. */
export function truncateChunks<T>(chunks: Chunks<T>, length: number): void {
  let kept = 0;
  for (let c = 0; c < chunks.length; c++) {
    const chunk = chunks[c]!;
    if (kept + chunk.length <= length) {
      kept += chunk.length;
      continue;
    }
    const keep = length - kept;
    chunks.length = c;
    if (keep > 0) chunks.push(Object.freeze(chunk.slice(0, keep)));
    mergeTail(chunks);
    return;
  }
}

/** The items in order (a fresh mutable array). */
export function flattenChunks<T>(chunks: ReadonlyArray<readonly T[]>): T[] {
  const out: T[] = [];
  for (const chunk of chunks) for (const item of chunk) out.push(item);
  return out;
}

/** Chunks for `items`: one frozen chunk (after a restart, say). */
export function chunksOf<T>(items: readonly T[]): Chunks<T> {
  return items.length === 0 ? [] : [Object.freeze(items.slice())];
}

function mergeTail<T>(chunks: Chunks<T>): void {
  while (chunks.length >= 2 && chunks[chunks.length - 2]!.length <= chunks[chunks.length - 1]!.length) {
    const last = chunks.pop()!;
    const before = chunks.pop()!;
    chunks.push(Object.freeze(before.length === 0 ? last : before.concat(last)));
  }
}
