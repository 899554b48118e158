/**
 * A worker thread's CPU time and scheduling state, read from Linux's /proc by another thread. The
 * hang watchdog judges a call by the CPU it burned without returning, not by wall time: on a
 * loaded machine a correct call may wait long for a core, but it never burns seconds of CPU.
 * Elsewhere (no /proc) `sample` returns undefined and the watchdog falls back to wall time.
 */
import { readFileSync, readlinkSync } from 'node:fs';

/** Linux reports CPU time in ticks of USER_HZ, 100 per second on every mainstream kernel. */
const TICK_MS = 10;

/** Inside a thread: where its stat file is, for another thread to read (undefined without /proc). */
export function ownThreadStatPath(): string | undefined {
  try {
    return `/proc/${readlinkSync('/proc/thread-self')}/stat`;
  } catch {
    return undefined;
  }
}

export interface ThreadSample {
  /** User plus system CPU time, ms. */
  readonly cpuMs: number;
  /** R running or runnable, S sleeping (waiting on something), D uninterruptible (I/O, paging), ... */
  readonly state: string;
}

export function sampleThread(statPath: string): ThreadSample | undefined {
  let text: string;
  try {
    text = readFileSync(statPath, 'latin1');
  } catch {
    return undefined;
  }
  // The thread's name (field 2) is in parentheses and may hold spaces: fields are counted after it.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return { cpuMs: (utime + stime) * TICK_MS, state: fields[0] ?? '?' };
}
