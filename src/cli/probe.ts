/**
 * Loading a user's protocol module runs its code: a loop at its top level, in `create()` or in
 * `parseOptions()` would hang the main thread, out of any watchdog's reach. So the main thread
 * first has a watched worker load the module and the scenario files; only when that finished does
 * it load them itself. A load that never finishes is bad input, reported as such.
 */
import { readFileSync, statSync } from 'node:fs';
import { MAX_SCENARIO_BYTES } from '../scenario/yaml.js';
import { UsageError } from './errors.js';
import { looksLikeModulePath, protocolField } from './load.js';
import { WatchedWorker, stoppedCall, type WatchLimits } from './watchdog.js';

export async function probeLoad(module: string | undefined, files: readonly string[], limits: WatchLimits): Promise<void> {
  if (limits.hangTimeoutMs <= 0 && limits.memoryLimitMb <= 0) return;
  // User code runs when a module is given, or when a scenario names one (`protocol: ./mine.ts`).
  if (module === undefined && !files.some(namesModule)) return;
  // Loading is not the run: the run's wall-clock limit does not apply to it (hang and memory limits do).
  const worker = new WatchedWorker(new URL('./run-worker.js', import.meta.url), { ...limits, wallLimitMs: 0 });
  try {
    const answer = await worker.run<{ ok: boolean }>({ probe: { module, files } });
    if (answer.status === 'done') return;
    const stop = stoppedCall(answer, limits);
    throw new UsageError(`the protocol module cannot be loaded: ${stop.message.replace(/^loading the protocol module \S+ /, 'loading it ')}`, module ?? files.find(namesModule));
  } finally {
    await worker.close();
  }
}

/** Whether a scenario file names its protocol by a module path (unreadable files: the load says why). */
function namesModule(file: string): boolean {
  try {
    // Only regular files of a sane size (a FIFO would block): loading reports the others.
    const stats = statSync(file);
    if (!stats.isFile() || stats.size > MAX_SCENARIO_BYTES) return false;
    const named = protocolField(readFileSync(file, 'utf8'));
    return named !== undefined && looksLikeModulePath(named);
  } catch {
    return false;
  }
}
