/**
 * `dsim explore SCENARIO`: every schedule of a small configuration up to a depth (src/explore/),
 * instead of the schedules one seed draws. Prints what was explored; on a violation, the shortest
 * path (bfs) and a counterexample file whose choice log `dsim replay` runs through the kernel.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import chalk from 'chalk';
import { Document } from 'yaml';
import { ExploreError, explore, type ExploreResult, type Strategy } from '../explore/index.js';
import { runChoiceLog } from '../runner/choices.js';
import { resolveScenario, type Scenario } from '../scenario/resolve.js';
import { writeFileAtomic } from './atomic.js';
import { EXIT, UsageError, type ExitCode } from './errors.js';
import { loadScenarioFile, protocolsFor } from './load.js';
import type { Io } from './run.js';
import { dsimVersion } from './version.js';

export interface ExploreCommandOptions {
  readonly depth?: string;
  readonly maxStates?: string;
  readonly strategy?: string;
  readonly symmetry?: boolean;
  readonly out?: string;
  readonly json?: boolean;
  readonly module?: string;
  /** Heap budget in MB: the search stops, inconclusive, beyond it. */
  readonly maxMemory?: string;
  readonly progress?: boolean;
  /** false: no sleep sets (to measure what they save). */
  readonly sleepSets?: boolean;
  /** PCT's bug depth d (default: explore.pctDepth). */
  readonly pctDepth?: string;
  /** Bounded liveness: fair steps after the last fault (default: explore.liveness.within; off without either). */
  readonly liveness?: string;
}

const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random-walk', 'pct', 'partitions', 'partitions-dfs'];

/** What a violation's depth is, per strategy. */
const SHORTEST: Record<Strategy, string> = {
  bfs: ' (a shortest path)',
  dfs: '',
  'random-walk': '',
  pct: '',
  partitions: ' (fewest steps: timers, ops, crashes, delays, partition changes; each step delivers what it can)',
  'partitions-dfs': ' (depth first over partition steps: a short path, not necessarily the shortest)',
};

export async function exploreCommand(file: string, opts: ExploreCommandOptions, io: Io): Promise<ExitCode> {
  const protocols = await protocolsFor(opts.module);
  const scenario = await loadScenarioFile(file, protocols);
  const bounds = scenario.explore;
  if (bounds === undefined) throw new UsageError('the scenario has no explore: section (bounds and the clients\' ops); see docs/EXPLORE.md', file);
  if (bounds.choices !== undefined) throw new UsageError('the scenario is a recorded counterexample (explore.choices); run it with dsim replay', file);
  const depth = positiveInt(opts.depth, '--depth') ?? bounds.depth;
  const maxStates = positiveInt(opts.maxStates, '--max-states') ?? bounds.maxStates;
  const strategy = (opts.strategy ?? bounds.strategy) as Strategy;
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, not ${JSON.stringify(opts.strategy)}`);
  const symmetry = opts.symmetry ?? bounds.symmetry;
  const pctDepth = positiveInt(opts.pctDepth, '--pct-depth') ?? bounds.pctDepth;
  const maxMemoryMb = positiveInt(opts.maxMemory, '--max-memory') ?? 2048;
  const within = positiveInt(opts.liveness, '--liveness') ?? bounds.liveness?.within;
  const liveness = within !== undefined ? { within } : undefined;
  const showProgress = opts.json !== true && opts.progress !== false && process.stderr.isTTY === true;

  const started = performance.now();
  let result: ExploreResult;
  try {
    result = explore(scenario, {
      depth,
      maxStates,
      strategy,
      symmetry,
      sleepSets: opts.sleepSets !== false,
      pctDepth,
      ...(liveness !== undefined ? { liveness } : {}),
      progressEvery: 5_000,
      onProgress: (s) => {
        if (!showProgress) return;
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(`\r\x1b[2Kexplore ${s.unique.toLocaleString('en-US')} states, depth ${s.depthReached}, ${Math.round(s.explored / seconds).toLocaleString('en-US')} transitions/s`);
      },
      shouldStop: () => (process.memoryUsage().heapUsed > maxMemoryMb * 1024 * 1024 ? `memory budget reached (${maxMemoryMb} MB of heap)` : undefined),
    });
  } catch (error) {
    if (error instanceof ExploreError) throw new UsageError(error.message, file);
    throw error;
  } finally {
    if (showProgress) process.stderr.write('\r\x1b[2K');
  }
  const seconds = (performance.now() - started) / 1000;
  const { stats } = result;
  const perSecond = Math.round(stats.explored / Math.max(seconds, 1e-3));
  const written = result.violation !== undefined ? writeCounterexample(scenario, result, { dir: opts.out ?? 'failures', strategy, depth, liveness }) : undefined;
  const walks = strategy === 'random-walk' || strategy === 'pct';
  /** What liveness claims, stated as such; nothing when it was not checked. */
  const livenessClaim = liveness === undefined ? '' : `liveness within ${liveness.within} fair steps after the last fault (every invoked op answered${result.convergence.map((c) => `, ${c}`).join('')}), from ${walks ? 'the end of every run' : 'every state'}`;
  const depthOf = (v: NonNullable<ExploreResult['violation']>): number => v.steps?.length ?? v.path.length - (v.fairChoices ?? 0);

  if (opts.json === true) {
    io.out(
      JSON.stringify({
        scenario: scenario.name,
        file: scenario.file,
        strategy,
        depth,
        maxStates,
        symmetry,
        checks: result.checks,
        ...(liveness !== undefined ? { liveness: { within: liveness.within, claim: livenessClaim, checked: stats.livenessChecked, fairSteps: stats.fairSteps } } : {}),
        states: { explored: stats.explored, unique: stats.unique, slept: stats.slept, depthReached: stats.depthReached, depthCompleted: stats.depthCompleted, perSecond },
        ...(stats.runs > 0 ? { runs: stats.runs } : {}),
        ...(strategy === 'pct' ? { pctDepth } : {}),
        seconds: Number(seconds.toFixed(3)),
        verdict: result.violation !== undefined ? 'violation' : result.stoppedEarly !== undefined ? 'inconclusive' : 'none',
        ...(result.stoppedEarly !== undefined ? { stoppedEarly: result.stoppedEarly } : {}),
        ...(result.violation !== undefined ? { violation: { depth: depthOf(result.violation), ...(result.violation.fairChoices !== undefined ? { fairChoices: result.violation.fairChoices } : {}), choices: result.violation.path.length, path: result.violation.path, ...(result.violation.steps !== undefined ? { steps: result.violation.steps } : {}), failed: result.violation.failed.map((c) => ({ name: c.name, detail: c.detail })), file: written?.path, traceHash: written?.traceHash } } : {}),
      }),
    );
  } else {
    const label = (text: string): string => chalk.dim(text.padEnd(10));
    const flaws = scenario.flaws.length > 0 ? `, flaws ${scenario.flaws.join(', ')}` : '';
    const ops = bounds.clients.reduce((n, c) => n + c.length, 0);
    io.out(`${label('scenario')}${scenario.name} (${scenario.file})`);
    io.out(`${label('explore')}${scenario.protocol.name}, ${scenario.nodes} nodes${flaws}; ${strategy}${strategy === 'pct' ? ` (bug depth ${pctDepth})` : ''} to depth ${depth}, symmetry ${symmetry ? 'on' : 'off'}`);
    io.out(
      `${label('choices')}deliveries, timers${bounds.timeouts !== Infinity ? ` (at most ${bounds.timeouts})` : ''}, ${ops} client op${ops === 1 ? '' : 's'} (${bounds.clients.length} client${bounds.clients.length === 1 ? '' : 's'}), crashes ≤ ${bounds.crashes}, drops ≤ ${bounds.drops}, duplicates ≤ ${bounds.duplicates}${bounds.reorders !== Infinity ? `, reorders ≤ ${bounds.reorders}` : ''}`,
    );
    io.out(`${label('checks')}${result.checks.join(', ')} (after every step)${livenessClaim !== '' ? `; ${livenessClaim}` : ''}`);
    io.out(
      `${label('states')}${stats.explored.toLocaleString('en-US')} explored, ${stats.unique.toLocaleString('en-US')} unique, depth ${stats.depthReached} reached; ${seconds.toFixed(1)}s (${perSecond.toLocaleString('en-US')} states/s)${stats.slept > 0 ? `; ${stats.slept.toLocaleString('en-US')} transitions skipped by sleep sets` : ''}${stats.runs > 0 ? `; ${stats.runs.toLocaleString('en-US')} run${stats.runs === 1 ? '' : 's'}` : ''}${liveness !== undefined ? `; ${stats.livenessChecked.toLocaleString('en-US')} fair continuations, ${stats.fairSteps.toLocaleString('en-US')} steps` : ''}`,
    );
    if (result.violation !== undefined) {
      const v = result.violation;
      const depthFound = depthOf(v);
      const fair = v.fairChoices ?? 0;
      // A safety check the continuation itself broke: its path is the state's, then the continuation.
      const where = fair > 0 && !v.failed.some((c) => c.name === 'liveness') ? `in the fair continuation from depth ${depthFound}` : `at depth ${depthFound}`;
      io.out(`${label('result')}${chalk.red(`VIOLATION ${where}${SHORTEST[strategy]}`)}: ${v.failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
      (v.steps ?? v.path.slice(0, v.path.length - fair)).forEach((step, i) => io.out(`${label(i === 0 ? 'path' : '')}${String(i + 1).padStart(3)}. ${step}`));
      if (depthFound === 0) io.out(`${label('path')}(none: the initial state)`);
      if (fair > 0) io.out(`${label('then')}faults stop, and the fair continuation: ${fair - 1} step${fair === 2 ? '' : 's'} (messages oldest first, timers in deadline order, open ops resent when quiet)`);
      if (v.steps !== undefined) io.out(`${label('choices')}${v.path.length} (the choice log in the file: the steps with their deliveries${fair > 0 ? ', then the continuation' : ''})`);
      io.out(`${label('written')}${written!.path}`);
      io.out(`${label('replay')}npx dsim replay ${written!.path} --timeline`);
    } else if (result.stoppedEarly !== undefined) {
      const done = stats.depthCompleted >= 0 ? `no violation within depth ${stats.depthCompleted} (every path), ` : '';
      const live = liveness !== undefined ? `; liveness held within ${liveness.within} fair steps after the last fault from ${walks ? 'the end of every run' : 'every state explored'}` : '';
      io.out(`${label('result')}${chalk.yellow(`INCONCLUSIVE: ${result.stoppedEarly}`)}; ${done}${stats.unique.toLocaleString('en-US')} states${live}`);
    } else {
      const live = liveness !== undefined ? `; liveness held within ${liveness.within} fair steps after the last fault from every state` : '';
      io.out(`${label('result')}${chalk.green(`no violation within depth ${depth}, ${stats.unique.toLocaleString('en-US')} states${live}`)}`);
    }
  }
  return result.violation !== undefined ? EXIT.violated : result.stoppedEarly !== undefined ? EXIT.unknown : EXIT.ok;
}

function positiveInt(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not ${JSON.stringify(text)}`);
  return n;
}

/**
 * Writes the counterexample: the scenario as given with `explore.choices` set to the path, headed
 * like a fuzz failure file (the trace hash of its replay, the failing checks, the command).
 */
function writeCounterexample(scenario: Scenario, result: ExploreResult, meta: { dir: string; strategy: Strategy; depth: number; liveness: { within: number } | undefined }): { path: string; traceHash: string } {
  const violation = result.violation!;
  const raw = structuredClone(scenario.raw) as Record<string, unknown>;
  const exploreRaw = { ...(raw['explore'] as Record<string, unknown>), ...(meta.liveness !== undefined ? { liveness: { within: meta.liveness.within } } : {}), choices: [...violation.path] };
  raw['explore'] = exploreRaw;
  // What the replay will be judged by must fail as found: `expect: pass`, so it reads STILL FAILS.
  delete raw['expect'];
  const replayed = runChoiceLog(resolveScenario(raw, scenario.file, { protocols: new Map([[scenario.protocol.name, scenario.protocol]]) }));
  mkdirSync(meta.dir, { recursive: true });
  const path = join(meta.dir, `${scenario.name}-explore.yaml`);
  const failing = replayed.checks.filter((c) => c.verdict === 'fail');
  const flaws = scenario.flaws.length > 0 ? ` with flaws ${scenario.flaws.join(', ')}` : '';
  const header = [
    `dsim explore counterexample: ${scenario.protocol.name}${flaws}`,
    `found by: dsim explore ${scenario.file} --strategy ${meta.strategy} --depth ${meta.depth} (${violation.path.length} choices; ${result.stats.unique} states)`,
    `dsim version: ${dsimVersion()}`,
    `trace hash: ${replayed.traceHash}`,
    ...(violation.steps !== undefined ? ['steps:', ...violation.steps.map((step, i) => `  ${i + 1}. ${step}`)] : []),
    `failing checks: ${failing.map((c) => c.name).join(', ')}`,
    ...failing.map((c) => `  ${c.name}: ${c.detail.replace(/\s+/g, ' ').slice(0, 300)}`),
    `replay: npx dsim replay ${path}`,
  ]
    .map((line) => `# ${line}`)
    .join('\n');
  const doc = new Document(raw);
  writeFileAtomic(path, `${header}\n${doc.toString({ lineWidth: 0 })}`);
  return { path, traceHash: replayed.traceHash };
}
