/**
 * Loading a user's protocol module runs its code: a loop at its top level, in `create()` or in
 * `parseOptions()` would hang the main thread, out of any watchdog's reach. So the main thread
 * first has a watched worker load the module and the scenario files; only when that finished does
 * it load them itself. A load that never finishes is bad input, reported as such.
 */
import { UsageError } from './errors.js';
import { WatchedWorker, stoppedCall, type WatchLimits } from './watchdog.js';

export async function probeLoad(module: string | undefined, files: readonly string[], limits: WatchLimits): Promise<void> {
  if (module === undefined || (limits.hangTimeoutMs <= 0 && limits.memoryLimitMb <= 0)) return;
  const worker = new WatchedWorker(new URL('./run-worker.js', import.meta.url), limits);
  try {
    const answer = await worker.run<{ ok: boolean }>({ probe: { module, files } });
    if (answer.status === 'done') return;
    const stop = stoppedCall(answer, limits);
    throw new UsageError(`the protocol module cannot be loaded: ${stop.message.replace(/^loading the protocol module \S+ /, 'loading it ')}`, module);
  } finally {
    await worker.close();
  }
}
