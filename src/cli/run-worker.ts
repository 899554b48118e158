/**
 * The worker that runs scenarios for `dsim run`, so that a protocol handler stuck in an infinite
 * loop can be stopped: the main thread watches a heartbeat in shared memory and terminates this
 * worker when the simulation stops making progress (see watchdog.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import chalk from 'chalk';
import { loadScenarioFile, protocolsFor } from './load.js';
import { runOne, type RunJob } from './run.js';
import { HEARTBEAT_COUNTER, HEARTBEAT_PHASE, PHASE } from './watchdog.js';

const beat = new Int32Array((workerData as { heartbeat: SharedArrayBuffer }).heartbeat);

parentPort!.on('message', (job: RunJob) => {
  void (async () => {
    try {
      const protocols = await protocolsFor(job.protocolModule);
      const scenario = await loadScenarioFile(job.file, protocols);
      // The main thread owns the terminal and decided about colour.
      chalk.level = job.colour ? Math.max(chalk.level, 1) as 1 : 0;
      const row = runOne(scenario, job, (phase) => {
        Atomics.store(beat, HEARTBEAT_PHASE, phase === 'simulate' ? PHASE.simulate : PHASE.check);
        Atomics.add(beat, HEARTBEAT_COUNTER, 1);
      });
      Atomics.store(beat, HEARTBEAT_PHASE, PHASE.idle);
      parentPort!.postMessage({ ok: true, row });
    } catch (error) {
      Atomics.store(beat, HEARTBEAT_PHASE, PHASE.idle);
      parentPort!.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
