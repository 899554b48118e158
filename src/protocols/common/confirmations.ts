/**
 * Synchronous replication's bookkeeping, shared by master-slave (log shipping to its replicas) and
 * the sharded transactional store (a shard's primary shipping its durable state to its backup):
 * what the replicas have confirmed, and the effects that wait for it, released in order.
 */

/**
 * The highest sequence number at least `required` replicas confirmed (`matched`: each replica's
 * confirmed sequence number); with none required, everything up to `lastSeq`.
 */
export function confirmedThrough(lastSeq: number, matched: readonly number[], required: number): number {
  if (required === 0) return lastSeq;
  if (required > matched.length) return 0;
  // The common cases without a sorted copy: this runs on every confirmation.
  if (required === 1 || required === matched.length) {
    let best = matched[0]!;
    for (let i = 1; i < matched.length; i++) best = required === 1 ? Math.max(best, matched[i]!) : Math.min(best, matched[i]!);
    return best;
  }
  const seqs = [...matched].sort((a, b) => b - a);
  return seqs[required - 1]!;
}

/** Releases, in order, the waiting items whose sequence number is confirmed (they leave `waiting`). */
export function releaseConfirmed<T extends { readonly seq: number }>(waiting: T[], confirmed: number, release: (item: T) => void): void {
  while (waiting.length > 0 && waiting[0]!.seq <= confirmed) release(waiting.shift()!);
}
