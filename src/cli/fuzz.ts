/**
 * `dsim fuzz`: property-based fault fuzzing of one protocol configuration. Each run draws a
 * scenario (cluster, workload, network, swarm fault plan) from the run's seed; a failing run is
 * shrunk and written as a scenario file to replay. `dsim replay FILE` runs such a file again.
 *
 * Runs are numbered 0, 1, 2, ... and run i's seed depends only on the campaign seed and i, so the
 * same --seed gives the same runs whatever --workers says, and --shard i/n splits them between
 * machines. Results are consumed in run order, so which failures are reported does not depend on
 * which worker finished first.
 */
import { isUnfinished, type FindingKind } from '../kernel/findings.js';
import { randomInt } from 'node:crypto';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import chalk from 'chalk';
import fc from 'fast-check';
import type { Command } from 'commander';
import { parseDurationUs } from '../core/time.js';
import type { ProtocolDefinition } from '../core/protocol.js';
import {
  FAULT_KINDS,
  DEFAULT_FAULT_KINDS,
  WHOLE,
  describeShrink,
  failureFileName,
  fuzzSetup,
  genomeArbitrary,
  genomeToScenario,
  parseShard,
  renderFailureFile,
  runIndexOf,
  runSeedOf,
  runsInShard,
  hangOutcome,
  type FuzzFaultKind,
  type FuzzRunOutcome,
  type FuzzSetup,
  type Shard,
  BATCH_RUNS,
  Corpus,
  mutationLimits,
  type RunPlan,
} from '../fuzz/index.js';
import { resolveScenario } from '../scenario/resolve.js';
import { checkOutputDir, writeFileAtomic } from './atomic.js';
import { EXIT, UsageError, type ExitCode } from './errors.js';
import { dsimVersion } from './version.js';
import { DSIM, displayPath, shellQuote } from './command-line.js';
import { inconclusiveNote, mergeCommand, summaryFileName } from './fuzz-merge.js';
import { plural } from '../core/plural.js';
import { didYouMean } from '../core/suggest.js';
import { besideProgress, progressWanted, startProgress } from './progress.js';
import { loadCorpusDir, saveCampaignRecord, saveCorpusEntry } from './corpus-dir.js';
import { replayCommand } from './replay.js';
import { probeLoad } from './probe.js';
import { loadProtocolModule, loadScenarioFile, protocolsFor } from './load.js';
import type { Io } from './run.js';
import { fuzzTaskSetup, runFuzzTask, type FuzzReply, type FuzzTask, type ShrinkNote } from './fuzz-worker.js';
import { DEFAULT_HANG_TIMEOUT_MS, DEFAULT_MEMORY_LIMIT_MB, WatchedRunner, WatchedWorker, capWorkers, parseHangTimeoutMs, parseMemoryLimitMb, stoppedCall, type WatchLimits } from './watchdog.js';

export interface FuzzCommandOptions {
  readonly protocol?: string;
  readonly module?: string;
  readonly runs?: string;
  readonly time?: string;
  readonly seed?: string;
  readonly faults?: string;
  readonly swarm?: boolean;
  readonly workers?: string;
  readonly shard?: string;
  readonly out?: string;
  readonly json?: boolean;
  readonly options?: string;
  readonly model?: string;
  /** Operator actions drawn like faults (default on; `--no-operators`). */
  readonly operators?: boolean;
  readonly flaws?: string;
  readonly checks?: string;
  readonly maxFailures?: string;
  readonly maxFaults?: string;
  readonly shrinkBudget?: string;
  /** CPU time one protocol call may take before the run is a `hang` (0: not judged). */
  readonly hangTimeout?: string;
  /** Heap limit per run (`4GB`; 0: none). */
  readonly memoryLimit?: string;
  /** Allow more --workers than cores. */
  readonly forceWorkers?: boolean;
  /** Progress bar on stderr (default: when stderr is a TTY and not --json). */
  readonly progress?: boolean;
  /** Also write an HTML report beside each failure file. */
  readonly html?: boolean;
  /** Coverage corpus directory: loaded at the start, new entries written as found. */
  readonly corpus?: string;
  /** Coverage feedback (default on; `--no-feedback`). */
  readonly feedback?: boolean;
}

export function registerFuzzCommands(program: Command, setExit: (code: ExitCode) => void, io: Io): void {
  const fuzz = program
    .command('fuzz')
    .description('fuzz a protocol with generated fault scenarios; shrink and save every failure as a scenario file')
    .option('--protocol <name>', 'the protocol to fuzz (a built-in, or the one --module exports)')
    .option('--module <path>', 'load your own protocol from a .ts or .js module')
    .option('--options <json>', 'pin protocol options (JSON, e.g. \'{"mode":"async"}\'); the rest of the configuration space is drawn per run')
    .option('--model <name>', 'pin the workload model (default: drawn per run among the protocol\'s models)')
    .option('--no-operators', 'draw no operator actions (membership changes, leadership transfers, promotions)')
    .option('--corpus <dir>', 'keep the coverage corpus in this directory, and resume from what it holds')
    .option('--no-feedback', 'no coverage feedback: every run is a fresh draw from its seed')
    .option('--flaws <list>', 'named flaws to fuzz with, comma-separated')
    .option('--runs <n>', 'number of runs (default 100; with --shard, the total over all shards)')
    .option('--time <duration>', 'run until this much wall-clock time has passed (e.g. 60s, 5m) instead of --runs')
    .option('--seed <n>', 'campaign seed (default: random, printed); the same seed gives the same runs')
    .option('--faults <kinds>', `fault kinds to inject, comma-separated: ${FAULT_KINDS.join(', ')} (default all but disk)`)
    .option('--no-swarm', 'turn every chosen fault kind on at medium strength in every run, instead of letting each run pick')
    .option('--checks <list>', 'checks that judge each run (default: what each run\'s configuration promises)')
    .option('--workers <n>', 'worker threads (default 1; at most the cores available unless --force-workers)')
    .option('--force-workers', 'allow more --workers than cores')
    .option('--shard <i/n>', 'run only shard i of n of the seed space (for a CI matrix); writes its summary into --out for `fuzz merge`')
    .option('--out <dir>', 'where failure files go', 'failures')
    .option('--max-failures <n>', 'stop after this many failures (default 1)')
    .option('--max-faults <n>', 'most fault entries per generated scenario (default 8)')
    .option('--shrink-budget <n>', 'most runs spent shrinking one failure (default 200)')
    .option('--hang-timeout <duration>', 'CPU time one protocol call may take without returning before the run is a hang (0: off)', `${DEFAULT_HANG_TIMEOUT_MS / 1000}s`)
    .option('--memory-limit <size>', 'heap each run may use before it is an out-of-memory finding (0: none)', `${DEFAULT_MEMORY_LIMIT_MB}MB`)
    .option('--json', 'print one JSON summary object instead of text')
    .option('--html', 'also write an HTML report of each shrunk failure beside its file')
    .option('--no-progress', 'no progress bar')
    .action(async (opts: FuzzCommandOptions) => {
      setExit(await fuzzCommand(opts, io));
    });
  // `merge` has its own --out and --json: fuzz's options are read only before the subcommand.
  program.enablePositionalOptions();
  fuzz.enablePositionalOptions();
  fuzz
    .command('merge')
    .description('merge the shards of one campaign (directories holding their fuzz-summary-I-of-N.json): add up the runs, keep each distinct failure once')
    .argument('<dirs...>', 'shard output directories (searched two levels deep) or summary files')
    .option('--out <dir>', 'write the campaign summary (fuzz-campaign.json) and copy the distinct failure files here')
    .option('--json', 'print the merged summary as one JSON object')
    .action((dirs: string[], opts: { out?: string; json?: boolean }) => {
      setExit(mergeCommand(dirs, opts, io));
    });

  program
    .command('replay')
    .description('run a failure file from dsim fuzz again: confirm its trace hash and say whether it still fails')
    .argument('<file>', 'a failure file (any scenario file works)')
    .option('--module <path>', 'load your own protocol from a .ts or .js module')
    .option('--json', 'print the run as JSON')
    .option('--hang-timeout <duration>', 'CPU time one protocol call may take without returning before the run is a hang (0: off)', `${DEFAULT_HANG_TIMEOUT_MS / 1000}s`)
    .option('--memory-limit <size>', 'heap the run may use before it is an out-of-memory finding (0: none)', `${DEFAULT_MEMORY_LIMIT_MB}MB`)
    .option('--wall-limit <duration>', 'wall-clock time the run may take before it is stopped as inconclusive (default: none)')
    .option('--html <file>', 'write a self-contained HTML report of the run')
    .option('--timeline', 'print the key events as a text timeline')
    .action(async (file: string, opts: { module?: string; json?: boolean; hangTimeout?: string; memoryLimit?: string; wallLimit?: string; html?: string; timeline?: boolean }) => {
      setExit(await replayCommand(file, opts, io));
    });
}

interface Plan {
  readonly protocol: string;
  readonly module?: string;
  readonly options?: Record<string, unknown>;
  readonly model?: string;
  readonly flaws: readonly string[];
  readonly faults?: readonly FuzzFaultKind[];
  readonly swarm: boolean;
  readonly operators: boolean;
  readonly checks?: readonly string[];
  readonly maxFaults?: number;
  readonly campaignSeed: number;
  readonly runs?: number;
  readonly timeMs?: number;
  readonly workers: number;
  readonly shard: Shard;
  readonly out: string;
  readonly maxFailures: number;
  readonly shrinkBudget: number;
  /** Hang timeout and memory limit per run; both 0: no watchdog, runs in this thread. */
  readonly limits: WatchLimits;
  /** --workers asked for more than the cores and was capped. */
  readonly workersCapped: boolean;
  readonly html: boolean;
  readonly feedback: boolean;
  readonly corpus?: string;
}

export async function fuzzCommand(opts: FuzzCommandOptions, io: Io): Promise<ExitCode> {
  await probeLoad(opts.module, [], { hangTimeoutMs: parseHangTimeoutMs(opts.hangTimeout), memoryLimitMb: parseMemoryLimitMb(opts.memoryLimit) });
  const plan = await makePlan(opts);
  checkOutputDir(plan.out, '--out');
  const protocols = await protocolsFor(plan.module);
  const arbitrary = arbitraryOptions(plan);
  // Validate the configuration up front: bad options, flaws or checks are usage errors, not findings.
  let setup;
  try {
    setup = fuzzSetup({ ...arbitrary, protocols });
    const [genome] = fc.sample(genomeArbitrary({ ...setup, seed: 1 }), { seed: 1, numRuns: 1 });
    resolveScenario(genomeToScenario(genome!, setup.context), '<fuzz>', { protocols });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.replace(/^<fuzz>: /, ''));
  }

  const version = dsimVersion();
  const foundBy = commandLine(plan);
  const json = opts.json === true;
  const showProgress = progressWanted({ json, ...(opts.progress !== undefined ? { progress: opts.progress } : {}) });
  const total = plan.runs === undefined ? undefined : runsInShard(plan.shard, plan.runs);
  const space = describeSpace(setup);
  const corpus = plan.feedback ? new Corpus() : undefined;
  const shardName = `${plan.shard.index}/${plan.shard.count}`;
  const loaded = corpus !== undefined && plan.corpus !== undefined ? loadCorpusDir(plan.corpus, corpus, { protocol: plan.protocol, seed: plan.campaignSeed, shard: shardName }) : undefined;
  const firstRun = loaded?.firstRun ?? 0;
  const startCovered = corpus?.covered ?? 0;
  const startEntries = corpus?.entries.length ?? 0;
  if (!json) {
    io.out(
      `fuzz ${plan.protocol}${plan.flaws.length ? ` with flaws ${plan.flaws.join(', ')}` : ''}: seed ${plan.campaignSeed}, ` +
        `${plan.runs !== undefined ? `${total} runs` : `for ${plan.timeMs! / 1000}s`}` +
        `${plan.shard.count > 1 ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.runs ?? 'unbounded'})` : ''}, ` +
        `${plural(plan.workers, 'worker')}${plan.workersCapped ? ' (capped at the cores available; --force-workers for more)' : ''}`,
    );
    io.out(`  configurations  ${space.configurations}; models ${space.models.join(', ')}; operator actions ${space.operators}`);
    io.out(`  faults          ${(plan.faults ?? DEFAULT_FAULT_KINDS).join(', ') || 'none'}; swarm ${plan.swarm ? 'on' : 'off'}`);
    io.out(`  checks          ${setup.context.configuration.checks?.join(', ') ?? 'what each configuration promises'}`);
    io.out(
      `  feedback        ${corpus === undefined ? 'off' : 'coverage-guided'}` +
        (loaded !== undefined ? `; corpus ${plan.corpus}: ${loaded.entries} entries, ${startCovered} features${firstRun > 0 ? `, going on from run ${firstRun}` : ''}` : ''),
    );
  }

  // A user's module is loaded once per worker: state it keeps at module level would make a run's
  // outcome depend on the runs before it in that worker (and so on --workers). Detected up front.
  const moduleState = plan.module !== undefined && plan.limits.hangTimeoutMs + plan.limits.memoryLimitMb > 0 ? await checkModuleState(arbitrary, plan) : undefined;
  if (moduleState !== undefined && !json) io.err(`${chalk.yellow('warning:')} ${moduleState.message}`);

  const bar = startProgress(
    plan.timeMs !== undefined
      ? { format: 'fuzz [{bar}] {runs} runs | {speed} runs/s | {failures} failed | {duration_formatted}', total: plan.timeMs, fields: { runs: 0, speed: '0', failures: 0 } }
      : { format: 'fuzz [{bar}] {value}/{total} runs | {speed} runs/s | {failures} failed | eta {eta_formatted}', total: total ?? 0, fields: { runs: 0, speed: '0', failures: 0 } },
    showProgress,
  );
  const say = besideProgress(io, bar);
  const started = performance.now();
  const counts = { done: 0, passed: 0, failed: 0, inconclusive: 0 };
  /** Inconclusive runs by the check that could not decide (a run may count under several). */
  const inconclusiveBy = new Map<string, number>();
  const failures: Array<Record<string, unknown>> = [];
  const sizes = { events: 0, ops: 0 };
  const runPlans = new Map<number, RunPlan>();
  const feedback = { mutants: 0, added: 0 };
  const limits = mutationLimits(setup);
  const task = (index: number): FuzzTask => {
    const runPlan = runPlans.get(index);
    runPlans.delete(index);
    return {
      ...(plan.module !== undefined ? { module: plan.module } : {}),
      arbitrary,
      campaignSeed: plan.campaignSeed,
      index,
      shrinkBudget: plan.shrinkBudget,
      ...(corpus !== undefined ? { coverage: true } : {}),
      ...(runPlan?.kind === 'mutant' ? { genome: runPlan.genome } : {}),
    };
  };
  const beginBatch = (indexes: readonly number[]): void => {
    if (corpus === undefined) return;
    corpus.planBatch(setup, plan.campaignSeed, indexes, limits).forEach((p, i) => {
      runPlans.set(indexes[i]!, p);
      if (p.kind === 'mutant') feedback.mutants++;
    });
  };

  const consume = (outcome: FuzzRunOutcome): boolean => {
    counts.done++;
    if (corpus !== undefined && corpus.consider(outcome)) {
      feedback.added++;
      if (plan.corpus !== undefined) saveCorpusEntry(plan.corpus, plan.protocol, corpus.entries[corpus.entries.length - 1]!);
    }
    sizes.events += outcome.events;
    sizes.ops += outcome.ops;
    if (outcome.status === 'passed') counts.passed++;
    else if (outcome.status === 'inconclusive') {
      counts.inconclusive++;
      for (const name of outcome.unknown ?? []) inconclusiveBy.set(name, (inconclusiveBy.get(name) ?? 0) + 1);
    }
    else {
      counts.failed++;
      const path = join(plan.out, failureFileName(outcome));
      // The file names a user's module by its path from the file, so replay and run need no flag.
      const replay =
        `${DSIM} replay ${shellQuote(displayPath(path))}` +
        (plan.limits.hangTimeoutMs !== DEFAULT_HANG_TIMEOUT_MS && plan.limits.hangTimeoutMs > 0 ? ` --hang-timeout ${plan.limits.hangTimeoutMs / 1000}s` : '') +
        (plan.limits.memoryLimitMb !== DEFAULT_MEMORY_LIMIT_MB ? ` --memory-limit ${plan.limits.memoryLimitMb}MB` : '');
      // A time-bounded campaign is repeated exactly by the runs it made up to this one.
      const found = plan.timeMs !== undefined ? commandLine(plan, outcome.index + 1) : foundBy;
      const text = renderFailureFile(withModulePath(outcome, plan.module, path), { dsimVersion: version, foundBy: found, replayCommand: replay });
      // A full or vanished disk must not lose what the campaign found: the file is printed instead.
      let writeError: string | undefined;
      try {
        writeFileAtomic(path, text);
      } catch (error) {
        writeError = (error as Error).message;
      }
      const f = outcome.failure!;
      failures.push({
        index: outcome.index,
        seed: outcome.seed,
        kind: f.hang !== undefined ? f.hang.stop.kind : f.error !== undefined ? 'error' : 'violation',
        file: path,
        replay,
        traceHash: f.traceHash,
        failed: f.failed,
        ...(f.error !== undefined ? { error: f.error } : {}),
        before: f.before,
        after: f.after,
        shrinkRuns: f.shrinkRuns,
        ...(writeError !== undefined ? { writeError, failureFile: text } : {}),
      });
      if (!json) {
        const what =
          f.hang !== undefined
            ? `${f.hang.stop.kind}${f.hang.stop.node !== undefined ? ` on ${f.hang.stop.node}` : ''}${f.hang.during === 'shrink' ? ' (while shrinking)' : ''}`
            : f.failed.map((c) => `${c.name} [${c.kind}]`).join(', ') || 'the run threw';
        say.out(`${chalk.red('FAIL')} run ${outcome.index} (seed ${outcome.seed}): ${what}`);
        for (const c of f.failed) say.out(`  ${c.name}: ${c.detail}`);
        if (f.error !== undefined) say.out(`  error: ${f.error}`);
        say.out(f.hang !== undefined ? `  not shrunk: a run the watchdog stopped is reported as found (each try would cost as much)` : `  shrunk: ${describeShrink(f)}`);
        if (writeError === undefined) say.out(`  wrote ${path}`);
        else {
          say.out(`  ${chalk.red('could not write')} ${path}: ${writeError}; the failure file, to save by hand:`);
          say.out(text);
        }
        say.out(`  replay: ${replay}`);
      }
    }
    bar?.update(plan.timeMs !== undefined ? Math.min(plan.timeMs, performance.now() - started) : counts.done, {
      runs: counts.done,
      speed: rate(counts.done, performance.now() - started),
      failures: counts.failed,
    });
    return counts.failed >= plan.maxFailures;
  };

  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const executor = plan.limits.hangTimeoutMs === 0 && plan.limits.memoryLimitMb === 0 ? inProcess : watchedExecutor(plan.workers, plan.limits);
  try {
    await campaign({
      total,
      deadline: plan.timeMs === undefined ? undefined : started + plan.timeMs,
      shard: plan.shard,
      firstRun,
      workers: plan.workers,
      batch: corpus !== undefined ? BATCH_RUNS : undefined,
      beginBatch,
      stopped: () => interrupted,
      execute: (t, signal) => executor.run(t, signal),
      task,
      consume,
    });
    if (plan.corpus !== undefined && corpus !== undefined) saveCampaignRecord(plan.corpus, { protocol: plan.protocol, seed: plan.campaignSeed, shard: shardName, next: firstRun + counts.done });
  } finally {
    process.removeListener('SIGINT', onSigint);
    bar?.stop();
    await executor.close();
  }

  if (plan.html) await writeFailureReports(failures, plan, protocols, json ? undefined : io);

  const wallMs = performance.now() - started;
  // Interrupted or time-bounded: the runs made, as a run count that repeats them exactly.
  const made = plan.timeMs !== undefined || interrupted ? (counts.done === 0 ? 0 : runIndexOf(plan.shard, counts.done - 1) + 1) : undefined;
  const repeat = commandLine(plan, made);
  const summary = {
    protocol: plan.protocol,
    flaws: plan.flaws,
    options: plan.options ?? {},
    models: space.models,
    dimensions: setup.context.configuration.dimensions.map((d) => d.name),
    operators: plan.operators,
    checks: setup.context.configuration.checks ?? 'promised',
    faults: plan.faults ?? DEFAULT_FAULT_KINDS,
    swarm: plan.swarm,
    seed: plan.campaignSeed,
    shard: `${plan.shard.index}/${plan.shard.count}`,
    requestedRuns: plan.runs ?? null,
    timeLimitMs: plan.timeMs ?? null,
    dsimVersion: version,
    workers: plan.workers,
    runs: counts.done,
    passed: counts.passed,
    failed: counts.failed,
    inconclusive: counts.inconclusive,
    inconclusiveChecks: Object.fromEntries([...inconclusiveBy].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    interrupted,
    ...(moduleState !== undefined ? { moduleState: moduleState.kind } : {}),
    wallTimeMs: Math.round(wallMs),
    runsPerSecond: Number(rate(counts.done, wallMs)),
    meanEvents: counts.done ? Math.round(sizes.events / counts.done) : 0,
    meanOps: counts.done ? Math.round(sizes.ops / counts.done) : 0,
    coverage: corpus === undefined ? null : { features: corpus.covered, newFeatures: corpus.covered - startCovered, corpus: corpus.entries.length, added: feedback.added, mutants: feedback.mutants },
    repeat,
    failures,
  };
  // A shard of a campaign leaves its summary beside its failures, for `dsim fuzz merge`.
  const summaryPath = plan.shard.count > 1 ? join(plan.out, summaryFileName(plan.shard)) : undefined;
  if (summaryPath !== undefined) {
    try {
      writeFileAtomic(summaryPath, JSON.stringify(summary, null, 2) + '\n');
    } catch (error) {
      // The summary is printed below anyway: its file is a convenience for `fuzz merge`.
      io.err(`${chalk.red('error:')} could not write ${summaryPath}: ${(error as Error).message}; the summary is printed below`);
    }
  }
  if (json) {
    io.out(JSON.stringify(summary));
  } else {
    io.out(
      `${interrupted ? 'interrupted' : 'done'}: ${plural(counts.done, 'run')} in ${(wallMs / 1000).toFixed(1)}s (${rate(counts.done, wallMs)} runs/s, ` +
        `${counts.done ? Math.round(sizes.events / counts.done) : 0} events and ${counts.done ? Math.round(sizes.ops / counts.done) : 0} ops per run): ` +
        `${counts.failed ? chalk.red(`${counts.failed} failed`) : '0 failed'}, ${counts.inconclusive} inconclusive${inconclusiveNote(Object.fromEntries(inconclusiveBy))}, ${counts.passed} passed`,
    );
    if (corpus !== undefined) {
      io.out(
        `coverage: ${corpus.covered} features (${corpus.covered - startCovered} new), corpus ${corpus.entries.length} entries (${feedback.added} added${startEntries > 0 ? `, ${startEntries} loaded` : ''}), ` +
          `${feedback.mutants} of ${counts.done} runs were mutants of corpus entries`,
      );
    }
    io.out(`${counts.failed === 0 ? 'no failure; ' : ''}to repeat these runs: ${repeat}`);
    if (summaryPath !== undefined) io.out(`summary: ${summaryPath} (merge shards with: ${DSIM} fuzz merge DIR...)`);
  }
  return counts.failed > 0 ? EXIT.violated : EXIT.ok;
}

interface CampaignSpec {
  /** Runs this shard owns, or undefined when bounded by time. */
  readonly total: number | undefined;
  /** performance.now() value after which no new run starts. */
  readonly deadline: number | undefined;
  readonly shard: Shard;
  /** The shard's run number the campaign starts at (a resumed corpus goes on from there). */
  readonly firstRun: number;
  readonly workers: number;
  /**
   * Coverage feedback: runs are planned in batches of this many, each from the corpus as it stood
   * once every earlier run was consumed (`beginBatch` is called with a batch's run indexes before
   * any of them is dispatched). Undefined: no batches.
   */
  readonly batch: number | undefined;
  beginBatch(indexes: readonly number[]): void;
  stopped(): boolean;
  execute(task: FuzzTask, signal: AbortSignal): Promise<FuzzRunOutcome>;
  task(index: number): FuzzTask;
  /** Called in run order; returns true to stop. */
  consume(outcome: FuzzRunOutcome): boolean;
}

/**
 * Keeps `workers` runs in flight and hands results to `consume` in run order. When consume says
 * stop, runs after that one are abandoned (and aborted in their workers).
 */
async function campaign(spec: CampaignSpec): Promise<void> {
  const results = new Map<number, FuzzRunOutcome>();
  const inFlight = new Map<number, AbortController>();
  let dispatched = 0;
  let consumed = 0;
  let stop = false;
  let failure: unknown;
  let wake: () => void = () => {};

  const batch = spec.batch;
  const canDispatch = (): boolean =>
    !stop &&
    !spec.stopped() &&
    (spec.total === undefined || dispatched < spec.total) &&
    (spec.deadline === undefined || performance.now() < spec.deadline) &&
    // A batch starts once every run of the batches before it was consumed (coverage feedback).
    (batch === undefined || Math.floor(dispatched / batch) <= Math.floor(consumed / batch));
  const runIndex = (k: number): number => runIndexOf(spec.shard, spec.firstRun + k);

  const dispatch = (): void => {
    const k = dispatched++;
    if (batch !== undefined && k % batch === 0) {
      const size = spec.total === undefined ? batch : Math.min(batch, spec.total - k);
      spec.beginBatch(Array.from({ length: size }, (_, j) => runIndex(k + j)));
    }
    const controller = new AbortController();
    inFlight.set(k, controller);
    spec.execute(spec.task(runIndex(k)), controller.signal).then(
      (outcome) => {
        inFlight.delete(k);
        results.set(k, outcome);
        wake();
      },
      (error: unknown) => {
        inFlight.delete(k);
        if (!controller.signal.aborted && failure === undefined) failure = error;
        wake();
      },
    );
  };

  while (true) {
    // In-process runs complete in microtasks; yielding here lets Ctrl-C and the progress bar in.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (inFlight.size < spec.workers && canDispatch()) dispatch();
    while (!stop && results.has(consumed)) {
      const outcome = results.get(consumed)!;
      results.delete(consumed);
      consumed++;
      if (spec.consume(outcome)) stop = true;
    }
    if (failure !== undefined) {
      for (const controller of inFlight.values()) controller.abort();
      throw failure;
    }
    if (stop || spec.stopped()) for (const controller of inFlight.values()) controller.abort();
    if (inFlight.size === 0 && !canDispatch()) {
      // Runs that finished out of order past the stop are dropped; the rest were consumed.
      return;
    }
    // Consuming may have opened the next batch: dispatch before waiting.
    if (results.has(consumed) || (inFlight.size < spec.workers && canDispatch())) continue;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}

export interface Executor {
  run(task: FuzzTask, signal?: AbortSignal): Promise<FuzzRunOutcome>;
  close(): Promise<void>;
}

/** Runs in this thread, unwatched (`--hang-timeout 0`): a handler that never returns hangs the tool. */
const DEFAULT_MAX_FAILURES = 1;
const DEFAULT_SHRINK_BUDGET = 200;

/**
 * A failure of a user's module names the module by its path from the failure file (scenario files
 * resolve `protocol: ./x.ts` from their own directory), or by its absolute path when the two do not
 * share the working directory.
 */
function withModulePath(outcome: FuzzRunOutcome, module: string | undefined, file: string): FuzzRunOutcome {
  if (module === undefined || outcome.failure === undefined) return outcome;
  const inside = (path: string): boolean => !relative(process.cwd(), resolve(path)).startsWith('..');
  const fromFile = relative(dirname(resolve(file)), resolve(module)).split('\\').join('/');
  const protocol = !inside(file) || !inside(module) ? resolve(module) : fromFile.startsWith('.') ? fromFile : `./${fromFile}`;
  return { ...outcome, failure: { ...outcome.failure, scenario: { ...outcome.failure.scenario, protocol } } };
}

export const inProcess: Executor = { run: (task) => runFuzzTask(task), close: async () => {} };

/**
 * `workers` persistent worker threads, each under a heartbeat watchdog (watchdog.ts), one task
 * per message. A run that stops beating for `hangTimeoutMs` is a `hang` failure with its seed;
 * its worker is replaced and the campaign goes on. The caller keeps at most `workers` tasks in
 * flight.
 */
export function watchedExecutor(workers: number, limits: WatchLimits): Executor {
  // Compiled: dist/cli/fuzz-worker.js. Under tsx (tests, benchmarks): the .ts source.
  const script = new URL(import.meta.url.endsWith('.ts') ? './fuzz-worker.ts' : './fuzz-worker.js', import.meta.url);
  const idle = Array.from({ length: workers }, () => new WatchedWorker(script, limits));
  const all = [...idle];
  return {
    async run(task, signal) {
      const worker = idle.pop();
      if (worker === undefined) throw new Error('watchedExecutor: more tasks in flight than workers');
      try {
        let last: ShrinkNote | undefined;
        const answer = await worker.run<FuzzReply>(task, {
          ...(signal !== undefined ? { signal } : {}),
          onNote: (note) => {
            last = note as ShrinkNote;
          },
        });
        if (answer.status !== 'done') {
          const setup = await fuzzTaskSetup(task);
          const stop = stoppedCall(answer, limits);
          return hangOutcome(setup, task.campaignSeed, task.index, {
            timeoutMs: limits.hangTimeoutMs,
            stop,
            ...(task.genome !== undefined ? { genome: task.genome } : {}),
            ...(last !== undefined ? { candidate: last.scenario, first: last.first } : {}),
          });
        }
        if (!answer.reply.ok) throw new Error(`fuzz worker: ${answer.reply.message}`);
        return answer.reply.outcome;
      } finally {
        idle.push(worker);
      }
    },
    close: async () => {
      await Promise.all(all.map((w) => w.close()));
    },
  };
}

async function makePlan(opts: FuzzCommandOptions): Promise<Plan> {
  if (opts.runs !== undefined && opts.time !== undefined) throw new UsageError('give either --runs or --time, not both');
  let protocol = opts.protocol;
  if (protocol === undefined) {
    if (opts.module === undefined) throw new UsageError('--protocol NAME is required (see dsim protocols), or --module ./my-protocol.ts');
    protocol = (await loadProtocolModule(opts.module)).name;
  }
  let options: Record<string, unknown> | undefined;
  if (opts.options !== undefined) {
    try {
      options = JSON.parse(opts.options) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`--options is not JSON: ${(error as Error).message}`);
    }
    if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError('--options must be a JSON object, e.g. \'{"mode":"async"}\'');
  }
  const faults = opts.faults === undefined ? undefined : list(opts.faults);
  if (faults !== undefined) {
    const unknown = faults.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new UsageError(`unknown fault kind(s) ${unknown.map((k) => `${k}${didYouMean(k, FAULT_KINDS)}`).join(', ')} in --faults; expected some of ${FAULT_KINDS.join(', ')}`);
  }
  let shard = WHOLE;
  if (opts.shard !== undefined) {
    const parsed = parseShard(opts.shard);
    if (typeof parsed === 'string') throw new UsageError(parsed);
    shard = parsed;
  }
  let timeMs: number | undefined;
  if (opts.time !== undefined) {
    const us = parseDurationUs(opts.time);
    if (us === undefined || us === 0) throw new UsageError(`--time expects a duration such as 60s or 5m, got ${JSON.stringify(opts.time)}`);
    timeMs = us / 1000;
  }
  const seed = opts.seed === undefined ? randomInt(0, 2 ** 31) : positiveInt(opts.seed, '--seed', 0);
  const runs = timeMs === undefined ? positiveInt(opts.runs ?? '100', '--runs', 1) : undefined;
  return {
    protocol,
    ...(opts.module !== undefined ? { module: opts.module } : {}),
    ...(options !== undefined ? { options } : {}),
    ...(opts.model !== undefined ? { model: opts.model } : {}),
    flaws: opts.flaws === undefined ? [] : list(opts.flaws),
    ...(faults !== undefined ? { faults: faults as FuzzFaultKind[] } : {}),
    swarm: opts.swarm !== false,
    operators: opts.operators !== false,
    ...(opts.checks !== undefined ? { checks: list(opts.checks) } : {}),
    ...(opts.maxFaults !== undefined ? { maxFaults: positiveInt(opts.maxFaults, '--max-faults', 0) } : {}),
    campaignSeed: seed,
    ...(runs !== undefined ? { runs } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...workerCount(opts),
    shard,
    out: opts.out ?? 'failures',
    maxFailures: positiveInt(opts.maxFailures ?? String(DEFAULT_MAX_FAILURES), '--max-failures', 1),
    shrinkBudget: positiveInt(opts.shrinkBudget ?? String(DEFAULT_SHRINK_BUDGET), '--shrink-budget', 0),
    limits: { hangTimeoutMs: parseHangTimeoutMs(opts.hangTimeout), memoryLimitMb: parseMemoryLimitMb(opts.memoryLimit) },
    html: opts.html === true,
    feedback: opts.feedback !== false,
    ...(opts.corpus !== undefined ? { corpus: opts.corpus } : {}),
  };
}

/** `--workers`, capped at the cores available unless forced. */
function workerCount(opts: FuzzCommandOptions): { workers: number; workersCapped: boolean } {
  const { workers, capped } = capWorkers(positiveInt(opts.workers ?? '1', '--workers', 1), opts.forceWorkers === true);
  return { workers, workersCapped: capped };
}

function arbitraryOptions(plan: Plan): FuzzTask['arbitrary'] {
  return {
    protocol: plan.protocol,
    ...(plan.options !== undefined ? { options: plan.options } : {}),
    ...(plan.model !== undefined ? { model: plan.model } : {}),
    flaws: plan.flaws,
    ...(plan.faults !== undefined ? { faults: plan.faults } : {}),
    swarm: plan.swarm,
    operators: plan.operators,
    ...(plan.checks !== undefined ? { checks: plan.checks } : {}),
    ...(plan.maxFaults !== undefined ? { maxFaults: plan.maxFaults } : {}),
  };
}

/**
 * Runs run 0 twice in one worker, and (when they differ) once more in a fresh worker: the second
 * run in a worker sees whatever module state the first left. Same hash each time: nothing carried
 * over that changed a run. Otherwise the module keeps state between runs (the fresh worker agrees
 * with the first run) or is nondeterministic (it agrees with neither).
 */
async function checkModuleState(arbitrary: FuzzTask['arbitrary'], plan: Plan): Promise<{ kind: 'carried-over' | 'nondeterministic'; message: string } | undefined> {
  const script = new URL(import.meta.url.endsWith('.ts') ? './fuzz-worker.ts' : './fuzz-worker.js', import.meta.url);
  const task: FuzzTask = { module: plan.module!, arbitrary, campaignSeed: plan.campaignSeed, index: runIndexOf(plan.shard, 0), shrinkBudget: 0 };
  const hashOf = async (worker: WatchedWorker): Promise<string> => {
    const answer = await worker.run<FuzzReply>(task);
    return answer.status === 'done' && answer.reply.ok ? answer.reply.outcome.traceHash : answer.status;
  };
  const shared = new WatchedWorker(script, plan.limits);
  const fresh = new WatchedWorker(script, plan.limits);
  try {
    const first = await hashOf(shared);
    const second = await hashOf(shared);
    if (first === second) return undefined;
    const third = await hashOf(fresh);
    const seed = runSeedOf(plan.campaignSeed, task.index);
    return third === first
      ? {
          kind: 'carried-over',
          message:
            `the protocol module keeps state between runs: run seed ${seed} gave trace hash ${first} in a fresh worker and ${second} run again in the same one. ` +
            'A run must start from what init() returns; until then, this campaign\'s outcomes depend on the runs before each one in its worker (and on --workers).',
        }
      : {
          kind: 'nondeterministic',
          message: `the protocol is nondeterministic: run seed ${seed} gave trace hashes ${first}, ${second} and ${third} (Math.random, Date, an order the run does not set?); failures found may not replay.`,
        };
  } finally {
    await Promise.all([shared.close(), fresh.close()]);
  }
}

/** The command that reproduces this campaign. */
/**
 * The command that reproduces this campaign, runnable after `npm install` (npx). `runs` replaces
 * a time bound or the requested count with the number of runs actually made, so a `--time` or
 * interrupted campaign can be repeated exactly.
 */
function commandLine(plan: Plan, runs?: number): string {
  const parts = [`${DSIM} fuzz`, `--protocol ${shellQuote(plan.protocol)}`];
  if (plan.module !== undefined) parts.push(`--module ${shellQuote(plan.module)}`);
  if (plan.options !== undefined) parts.push(`--options ${shellQuote(JSON.stringify(plan.options))}`);
  if (plan.model !== undefined) parts.push(`--model ${shellQuote(plan.model)}`);
  if (!plan.operators) parts.push('--no-operators');
  if (!plan.feedback) parts.push('--no-feedback');
  if (plan.corpus !== undefined) parts.push(`--corpus ${shellQuote(plan.corpus)}`);
  if (plan.flaws.length > 0) parts.push(`--flaws ${plan.flaws.join(',')}`);
  if (plan.faults !== undefined) parts.push(`--faults ${plan.faults.join(',') || "''"}`);
  if (!plan.swarm) parts.push('--no-swarm');
  if (plan.checks !== undefined) parts.push(`--checks ${plan.checks.join(',')}`);
  if (plan.maxFaults !== undefined) parts.push(`--max-faults ${plan.maxFaults}`);
  if (plan.limits.hangTimeoutMs !== DEFAULT_HANG_TIMEOUT_MS) parts.push(`--hang-timeout ${plan.limits.hangTimeoutMs / 1000}s`);
  if (plan.limits.memoryLimitMb !== DEFAULT_MEMORY_LIMIT_MB) parts.push(`--memory-limit ${plan.limits.memoryLimitMb}MB`);
  if (plan.maxFailures !== DEFAULT_MAX_FAILURES) parts.push(`--max-failures ${plan.maxFailures}`);
  if (plan.shrinkBudget !== DEFAULT_SHRINK_BUDGET) parts.push(`--shrink-budget ${plan.shrinkBudget}`);
  parts.push(runs !== undefined ? `--runs ${runs}` : plan.runs !== undefined ? `--runs ${plan.runs}` : `--time ${plan.timeMs! / 1000}s`);
  if (plan.shard.count > 1) parts.push(`--shard ${plan.shard.index}/${plan.shard.count}`);
  parts.push(`--seed ${plan.campaignSeed}`);
  return parts.join(' ');
}

/**
 * `--html`: each shrunk failure is run once more (under the watchdog) to draw its report beside
 * its file. Hangs have no run to draw.
 */
async function writeFailureReports(
  failures: Array<Record<string, unknown>>,
  plan: Plan,
  protocols: Map<string, ProtocolDefinition>,
  io: Io | undefined,
): Promise<void> {
  const watched = new WatchedRunner({ hangTimeoutMs: plan.limits.hangTimeoutMs > 0 ? plan.limits.hangTimeoutMs : DEFAULT_HANG_TIMEOUT_MS, memoryLimitMb: plan.limits.memoryLimitMb });
  try {
    for (const failure of failures) {
      const file = failure['file'] as string;
      if (isUnfinished(failure['kind'] as FindingKind) || failure['writeError'] !== undefined) continue;
      const htmlPath = file.replace(/\.ya?ml$/, '') + '.html';
      const scenario = await loadScenarioFile(file, protocols);
      const row = await watched.run({ file, ...(plan.module !== undefined ? { protocolModule: plan.module } : {}), htmlPath, timeline: false, colour: false, checkDeterminism: false }, scenario);
      if (row.writeErrors !== undefined) {
        failure['htmlError'] = row.writeErrors.join('; ');
        io?.out(`  ${chalk.red('could not write')} ${row.writeErrors.join('; ')}`);
        continue;
      }
      failure['html'] = htmlPath;
      io?.out(`  report: ${htmlPath}`);
    }
  } finally {
    await watched.close();
  }
}

/** The configuration space a campaign draws from, for its header. */
function describeSpace(setup: FuzzSetup): { configurations: string; models: readonly string[]; operators: string } {
  const draw = setup.context.configuration;
  const pins = Object.keys(draw.pinned);
  const drawn = draw.dimensions.length;
  const configurations =
    (drawn > 0 ? `${drawn} option${drawn > 1 ? 's' : ''} drawn (${draw.dimensions.map((d) => d.name).join(', ')})` : 'fixed') +
    (pins.length > 0 ? `, pinned ${JSON.stringify(draw.pinned)}` : '');
  const operators = !setup.operators ? 'off' : draw.definition.operatorActions === undefined ? 'none (the protocol declares none)' : 'on where the configuration accepts them';
  return { configurations, models: draw.models, operators };
}

function rate(runs: number, ms: number): string {
  return ms <= 0 ? '0' : (runs / (ms / 1000)).toFixed(1);
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function positiveInt(text: string, flag: string, min: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} expects a whole number, got ${JSON.stringify(text)}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new UsageError(`${flag} must be at least ${min}, got ${text}`);
  return value;
}

