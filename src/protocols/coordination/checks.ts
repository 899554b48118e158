/**
 * Checks of lock histories: `mutual-exclusion` (no two processes believe they hold a lock at the
 * same time, in true time) and `lock-liveness` (after the heal, the lock is granted again). A
 * hold runs from an acquire's `ok` to the next `release` of the same lock by the same node; a
 * hold still open when the history ends runs to its end.
 */
import type { History, HistoryEvent } from '../../core/history.js';
import type { CheckVerdict, ProtocolCheck, Promises, PromiseQuery } from '../../core/protocol.js';

interface Hold {
  readonly holder: string;
  readonly lock: string;
  readonly fromUs: number;
  readonly toUs: number;
  readonly token: unknown;
}

const holderOf = (e: HistoryEvent): string => e.node ?? `process ${e.process}`;

export function holdsOf(history: History): Hold[] {
  const open = new Map<string, { fromUs: number; token: unknown }>();
  const holds: Hold[] = [];
  let endUs = 0;
  for (const e of history) {
    endUs = Math.max(endUs, e.timeUs ?? 0);
    if (e.key === undefined) continue;
    const slot = `${holderOf(e)}\u0000${e.key}`;
    if (e.f === 'acquire' && e.type === 'ok' && !open.has(slot)) open.set(slot, { fromUs: e.timeUs ?? 0, token: e.value });
    else if (e.f === 'release' && e.type === 'invoke') {
      const hold = open.get(slot);
      if (hold === undefined) continue;
      open.delete(slot);
      holds.push({ holder: holderOf(e), lock: e.key, fromUs: hold.fromUs, toUs: e.timeUs ?? 0, token: hold.token });
    }
  }
  for (const [slot, hold] of open) {
    const [holder, lock] = slot.split('\u0000') as [string, string];
    holds.push({ holder, lock, fromUs: hold.fromUs, toUs: endUs, token: hold.token });
  }
  return holds.sort((a, b) => a.fromUs - b.fromUs || a.toUs - b.toUs);
}

const ms = (us: number): string => `${(us / 1000).toFixed(1)}ms`;
const tokenOf = (hold: Hold): string => (typeof hold.token === 'number' ? ` (token ${hold.token})` : '');

export function checkMutualExclusion(history: History): CheckVerdict {
  const holds = holdsOf(history);
  // Sorted by start: a hold overlaps an earlier one iff it starts before the latest end so far.
  const latest = new Map<string, Hold>();
  for (const hold of holds) {
    const before = latest.get(hold.lock);
    if (before !== undefined && hold.fromUs < before.toUs && before.holder !== hold.holder) {
      return {
        verdict: 'fail',
        detail: `${hold.holder} held ${hold.lock}${tokenOf(hold)} from ${ms(hold.fromUs)} while ${before.holder}${tokenOf(before)} still believed it held it, until ${ms(before.toUs)}: ${ms(before.toUs - hold.fromUs)} of overlap`,
        evidence: { first: before, second: hold },
      };
    }
    if (before === undefined || hold.toUs > before.toUs) latest.set(hold.lock, hold);
  }
  const locks = new Set(holds.map((h) => h.lock)).size;
  const handovers = handoverGapsUs(holds);
  return {
    verdict: 'pass',
    detail: `${holds.length} holds of ${locks} lock${locks === 1 ? '' : 's'}: none overlapped${handovers.length > 0 ? `; from a release to the next grant: ${gapSummary(handovers)}` : ''}`,
    evidence: { handoverGapsUs: handovers },
  };
}

/**
 * How long each lock stood free between two holders: from the end of one belief (a release, or a
 * lease running out) to the next client's grant, for each hold that began after the one before it
 * ended. What waiters' polling or watches cost (holds sorted by start, as holdsOf returns them).
 */
export function handoverGapsUs(holds: readonly Hold[]): number[] {
  const lastEnd = new Map<string, Hold>();
  const gaps: number[] = [];
  for (const hold of holds) {
    const before = lastEnd.get(hold.lock);
    if (before !== undefined && before.holder !== hold.holder && hold.fromUs >= before.toUs) gaps.push(hold.fromUs - before.toUs);
    if (before === undefined || hold.toUs > before.toUs) lastEnd.set(hold.lock, hold);
  }
  return gaps;
}

function gapSummary(gapsUs: readonly number[]): string {
  const sorted = [...gapsUs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${ms(at(0.5))}, p90 ${ms(at(0.9))}, max ${ms(sorted[sorted.length - 1]!)} (${sorted.length})`;
}

export function checkLockLiveness(history: History, healed: boolean, settledFromUs: number | undefined): CheckVerdict {
  if (!healed || settledFromUs === undefined) return { verdict: 'unknown', detail: 'liveness is judged after a heal' };
  const grants = history.filter((e) => e.f === 'acquire' && e.type === 'ok' && (e.timeUs ?? 0) >= settledFromUs).length;
  if (grants > 0) return { verdict: 'pass', detail: `${grants} grant${grants === 1 ? '' : 's'} after ${ms(settledFromUs)} (the heal plus half the quiet period)` };
  const last = [...history].reverse().find((e) => e.f === 'acquire' && e.type === 'ok');
  return { verdict: 'fail', detail: `no grant after ${ms(settledFromUs)}${last !== undefined ? `; the last at ${ms(last.timeUs ?? 0)} to ${holderOf(last)}` : '; none at all'}` };
}

/** The checks every kind of lock client offers (lock-client, redlock-client). */
export const LOCK_CHECKS: readonly ProtocolCheck<unknown>[] = [
  { name: 'mutual-exclusion', description: 'no two clients believe they hold the lock at once, in true time (from the history)', check: (input) => checkMutualExclusion(input.history) },
  { name: 'lock-liveness', description: 'after the heal, the lock is granted again', check: (input) => checkLockLiveness(input.history, input.healed, input.settledFromUs) },
];

/**
 * What lock clients promise: mutual exclusion of beliefs, and the lock granted again after a heal.
 * A lease is safe only while clocks run at nearly the same rate: a client counts on TTL·(1 - m) of
 * its own clock from the moment it sent the request that proved its session alive; the service
 * expires the session no earlier than TTL of its leader's clock after receiving it. With rates
 * 1 + d at most apart either way, (1 - m)(1 + d) ≤ 1 - d holds for d ≤ m / (2 - m). Durations are
 * measured on monotonic clocks, so jumps of the wall clock do not matter (no bound on them).
 */
export function lockClientPromises({ options, healed }: PromiseQuery<unknown>): Promises {
  const o = (options ?? {}) as {
    readonly leaseMargin?: number;
    readonly holdUs?: number;
    readonly ttlUs?: number;
    readonly idleUs?: number;
    readonly requestTimeoutUs?: number;
    readonly pollUs?: number;
    readonly wait?: 'watch' | 'poll';
    readonly watchPollUs?: number;
  };
  const margin = o.leaseMargin ?? 0;
  // After the heal, a hold that began before the liveness window opens must end (its work, or
  // the lease of a holder that restarted, running out) and a waiter must ask again and be granted, all
  // within the window: the second half of the quiet period.
  // A waiter whose watch was lost (its node crashed) asks again after the fallback poll.
  const pollUs = o.wait === 'watch' ? (o.watchPollUs ?? 0) : (o.pollUs ?? 0);
  const cycleUs = (o.holdUs ?? 0) + (o.ttlUs ?? 0) + (o.idleUs ?? 0) + pollUs + (o.requestTimeoutUs ?? 0);
  return {
    checks: ['mutual-exclusion', ...(healed ? ['lock-liveness'] : [])],
    assumes: { clock: { maxDrift: Math.floor((margin / (2 - margin)) * 10_000) / 10_000 }, recoveryUs: 2 * cycleUs },
  };
}
