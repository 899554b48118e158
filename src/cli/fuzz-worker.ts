/**
 * One fuzz run as a task: what `dsim fuzz --workers N` runs in each worker thread (piscina loads
 * the compiled dist/cli/fuzz-worker.js), and what the main thread runs itself with one worker.
 * Tasks are plain data; a worker loads a user's protocol module once and keeps it.
 */
import type { ProtocolDefinition } from '../core/protocol.js';
import { fuzzRun, fuzzSetup, type FuzzRunOutcome, type FuzzSetup, type ScenarioArbitraryOptions } from '../fuzz/index.js';
import { protocolsFor } from './load.js';

export interface FuzzTask {
  /** A user's protocol module (`--module`), loaded in the worker. */
  readonly module?: string;
  /** Serializable arbitrary options (no `protocols`: the worker builds its own). */
  readonly arbitrary: Omit<ScenarioArbitraryOptions, 'protocols' | 'seed'>;
  readonly campaignSeed: number;
  readonly index: number;
  readonly shrinkBudget: number;
}

const protocolCache = new Map<string, Promise<Map<string, ProtocolDefinition>>>();
const setupCache = new Map<string, FuzzSetup>();

async function protocolsOf(module: string | undefined): Promise<Map<string, ProtocolDefinition>> {
  const key = module ?? '';
  let protocols = protocolCache.get(key);
  if (protocols === undefined) protocolCache.set(key, (protocols = protocolsFor(module)));
  return protocols;
}

/** Runs one task. Deterministic in (task.arbitrary, campaignSeed, index). */
export async function runFuzzTask(task: FuzzTask): Promise<FuzzRunOutcome> {
  const protocols = await protocolsOf(task.module);
  const key = JSON.stringify([task.module ?? '', task.arbitrary]);
  let setup = setupCache.get(key);
  if (setup === undefined) setupCache.set(key, (setup = fuzzSetup({ ...task.arbitrary, protocols })));
  return fuzzRun(setup, task.campaignSeed, task.index, { shrinkBudget: task.shrinkBudget, protocols });
}

export default runFuzzTask;
