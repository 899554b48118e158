/**
 * One fuzz run as a task: what `dsim fuzz` runs in each watched worker thread (the compiled
 * dist/cli/fuzz-worker.js; see watchdog.ts), and what the main thread runs itself when the
 * watchdog is off (`--hang-timeout 0`). Tasks are plain data; a worker is persistent, takes one
 * task per message, loads a user's protocol module once and keeps it.
 *
 * In a worker, the simulation beats the heartbeat the main thread watches, and each shrink
 * candidate is announced (a note) before it runs, so a candidate that never returns can be
 * reported as the hang it is.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import type { ProtocolDefinition } from '../core/protocol.js';
import { fuzzRun, fuzzSetup, type FuzzRunOptions, type FuzzRunOutcome, type FuzzSetup, type ScenarioArbitraryOptions, type ScenarioGenome } from '../fuzz/index.js';
import { protocolsFor } from './load.js';
import { isWatchedWorker, postNote, workerWatch } from './watchdog.js';
import { describeThrown } from '../core/thrown.js';

export interface FuzzTask {
  /** A user's protocol module (`--module`), loaded in the worker. */
  readonly module?: string;
  /** Serializable arbitrary options (no `protocols`: the worker builds its own). */
  readonly arbitrary: Omit<ScenarioArbitraryOptions, 'protocols' | 'seed'>;
  readonly campaignSeed: number;
  readonly index: number;
  readonly shrinkBudget: number;
  /** Collect coverage features (coverage feedback). */
  readonly coverage?: boolean;
  /** The mutant planned for this run, instead of a draw from its seed. */
  readonly genome?: ScenarioGenome;
}

/** What a fuzz worker answers a task with. */
export type FuzzReply = { readonly ok: true; readonly outcome: FuzzRunOutcome } | { readonly ok: false; readonly message: string };

/** What a fuzz worker notes before each shrink candidate. */
export interface ShrinkNote {
  readonly scenario: FuzzFailureScenario;
  readonly first: { readonly traceHash: string; readonly events: number; readonly ops: number };
}
type FuzzFailureScenario = Parameters<NonNullable<FuzzRunOptions['onShrinkCandidate']>>[0];

const protocolCache = new Map<string, Promise<Map<string, ProtocolDefinition>>>();
const setupCache = new Map<string, FuzzSetup>();

async function protocolsOf(module: string | undefined): Promise<Map<string, ProtocolDefinition>> {
  const key = module ?? '';
  let protocols = protocolCache.get(key);
  if (protocols === undefined) protocolCache.set(key, (protocols = protocolsFor(module)));
  return protocols;
}

/** The setup a task runs with (cached per module and arbitrary options). */
export async function fuzzTaskSetup(task: Pick<FuzzTask, 'module' | 'arbitrary'>): Promise<FuzzSetup> {
  const protocols = await protocolsOf(task.module);
  const key = JSON.stringify([task.module ?? '', task.arbitrary]);
  let setup = setupCache.get(key);
  if (setup === undefined) setupCache.set(key, (setup = fuzzSetup({ ...task.arbitrary, protocols })));
  return setup;
}

/** Runs one task. Deterministic in (task.arbitrary, campaignSeed, index). */
export async function runFuzzTask(
  task: FuzzTask,
  hooks: Pick<FuzzRunOptions, 'onProgress' | 'onShrinkCandidate' | 'callWatch'> = {},
  load: <T>(what: string, fn: () => Promise<T>) => Promise<T> = (_what, fn) => fn(),
): Promise<FuzzRunOutcome> {
  const { protocols, setup } = await load(task.module !== undefined ? `the protocol module ${task.module}` : 'the fuzz setup', async () => ({
    protocols: await protocolsOf(task.module),
    setup: await fuzzTaskSetup(task),
  }));
  return fuzzRun(setup, task.campaignSeed, task.index, {
    shrinkBudget: task.shrinkBudget,
    protocols,
    ...hooks,
    ...(task.coverage === true ? { coverage: true } : {}),
    ...(task.genome !== undefined ? { genome: task.genome } : {}),
  });
}

// fuzz.ts imports this module too, in whatever thread runs the command: only our workers serve tasks.
if (!isMainThread && parentPort !== null && isWatchedWorker()) {
  const watched = workerWatch();
  const hooks: Pick<FuzzRunOptions, 'onShrinkCandidate' | 'callWatch'> = {
    callWatch: watched.watch,
    onShrinkCandidate: (scenario, first) => postNote({ scenario, first } satisfies ShrinkNote),
  };
  parentPort.on('message', (task: FuzzTask) => {
    void (async () => {
      let reply: FuzzReply;
      try {
        reply = { ok: true, outcome: await runFuzzTask(task, hooks, watched.load) };
      } catch (error) {
        reply = { ok: false, message: describeThrown(error, 12).stack ?? describeThrown(error).text };
      }
      watched.idle();
      parentPort!.postMessage(reply);
    })();
  });
}
