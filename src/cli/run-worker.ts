/**
 * The worker that runs scenarios for `dsim run` and `dsim replay`, so that protocol code stuck in
 * an infinite loop (or eating all memory) can be stopped: every call into it is marked in shared
 * memory for the main thread's watchdog (see watchdog.ts), module loading included.
 */
import { parentPort } from 'node:worker_threads';
import chalk from 'chalk';
import { describeThrown } from '../core/thrown.js';
import { jsonText } from '../core/short-json.js';
import { ScenarioError } from '../scenario/issues.js';
import { loadScenarioFile, protocolsFor } from './load.js';
import { runOne, type RunJob } from './run.js';
import { workerWatch } from './watchdog.js';
import { lastTraceEvent } from './determinism.js';

const watched = workerWatch();

/**
 * Posts a reply; one that holds what structured cloning refuses (a function or symbol a protocol
 * put in a check's evidence) goes as its JSON form instead.
 */
function postPlain(reply: unknown): void {
  try {
    parentPort!.postMessage(reply);
  } catch (error) {
    if ((error as Error).name !== 'DataCloneError') throw error;
    parentPort!.postMessage(JSON.parse(jsonText(reply)));
  }
}

/** A dry load: the module and the files, as the main thread is about to load them itself. */
export interface ProbeJob {
  readonly probe: { readonly module?: string; readonly files: readonly string[] };
}

parentPort!.on('message', (job: RunJob | ProbeJob | { traceEvent: number }) => {
  void (async () => {
    if ('traceEvent' in job) {
      parentPort!.postMessage({ ok: true, text: lastTraceEvent(job.traceEvent) });
      return;
    }
    if ('probe' in job) {
      let reply: { ok: boolean; message?: string };
      try {
        const { module, files } = job.probe;
        await watched.load(module !== undefined ? `the protocol module ${module}` : 'the scenario files', async () => {
          const protocols = await protocolsFor(module);
          for (const file of files) loadScenarioFile(file, protocols);
        });
        reply = { ok: true };
      } catch (error) {
        // The main thread loads again and reports the error itself, in its own words.
        reply = { ok: false, message: describeThrown(error).text };
      }
      watched.idle();
      parentPort!.postMessage(reply);
      return;
    }
    try {
      const scenario = await watched.load(job.protocolModule !== undefined ? `the protocol module ${job.protocolModule} and ${job.file}` : job.file, async () =>
        loadScenarioFile(job.file, await protocolsFor(job.protocolModule)),
      );
      // The main thread owns the terminal and decided about colour.
      chalk.level = job.colour ? (Math.max(chalk.level, 1) as 1) : 0;
      const row = runOne(scenario, job, undefined, watched.watch);
      watched.idle();
      postPlain({ ok: true, row });
    } catch (error) {
      watched.idle();
      // Bad input found while running (a recorded choice no longer enabled): the main thread
      // reports it as bad input, naming the file and field.
      if (error instanceof ScenarioError) parentPort!.postMessage({ ok: false, message: error.message, scenarioError: { file: error.file, issues: error.issues } });
      else parentPort!.postMessage({ ok: false, message: describeThrown(error, 12).stack ?? describeThrown(error).text });
    }
  })();
});
