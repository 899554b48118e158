/** `dsim run FILE|DIR...`: run scenarios, print what happened and whether each property held. */
import { isUnfinished } from '../kernel/findings.js';
import { writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import chalk from 'chalk';
import { budgetWarning, runScenario, type RunResult } from '../runner/index.js';
import type { Scenario } from '../scenario/resolve.js';
import { TraceRecorder, type TraceEvent, type TraceSink } from '../trace/events.js';
import { TraceDigests } from './determinism.js';
import { isReportEvent, renderRunHtml } from '../report/html.js';
import { isTimelineEvent, renderTimeline, type Paint, type TimelineStyle } from '../report/timeline.js';
import { AtomicStreamFile, checkOutputFile, removeTempFiles, writeFileAtomic } from './atomic.js';
import { toEdn, toJsonLines } from '../history/index.js';
import { EXIT, UsageError, type ExitCode } from './errors.js';
import { parseSeedRange, sweepCommand } from './sweep.js';
import { parseHangTimeoutMs, parseMemoryLimitMb, parseWallLimitMs, watchedRunner, type WatchLimits } from './watchdog.js';
import type { CallWatch } from '../kernel/watch.js';
import { formatRun, formatSummaryTable, formatTotals } from './format.js';
import { outputWidth } from './colour.js';
import { besideProgress, progressWanted, startProgress } from './progress.js';
import { protocolTables } from './tables.js';
import { soakReporter } from './soak.js';
import type { HistoryEvent } from '../core/history.js';
import { expandScenarioPaths, loadScenarioFile, protocolsFor } from './load.js';
import { probeLoad } from './probe.js';
import { compareWithFresh } from './determinism.js';
import { jsonText } from '../core/short-json.js';

export interface RunCommandOptions {
  readonly seed?: string;
  /** CPU time one protocol call may take before the run is declared hung (0: not judged). */
  readonly hangTimeout?: string;
  /** Heap limit per run (`4GB`; 0: none). */
  readonly memoryLimit?: string;
  readonly wallLimit?: string;
  readonly json?: boolean;
  readonly trace?: string;
  readonly checkDeterminism?: boolean;
  /** A user protocol module to load (`--module`). */
  readonly module?: string;
  /** Write a self-contained HTML report of the run here. */
  readonly html?: string;
  /** Print the key events as a coloured text timeline. */
  readonly timeline?: boolean;
  /** Write the client history here: Jepsen EDN for .edn, JSON lines otherwise. */
  readonly history?: string;
  /** Run every scenario over these seeds (`20` or `5..50`) and print one row per scenario. */
  readonly seeds?: string;
  /** Progress line on stderr (default: when stderr is a terminal and not --json). */
  readonly progress?: boolean;
  /** A long run in bounded memory: stream the history (to --history, if given), check it as it comes, report progress on stderr. */
  readonly soak?: boolean;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function runCommand(inputs: readonly string[], options: RunCommandOptions, io: Io): Promise<ExitCode> {
  const limits: WatchLimits = { hangTimeoutMs: parseHangTimeoutMs(options.hangTimeout), memoryLimitMb: parseMemoryLimitMb(options.memoryLimit), wallLimitMs: parseWallLimitMs(options.wallLimit) };
  const files = expandScenarioPaths(inputs);
  await probeLoad(options.module, files, limits);
  const protocols = await protocolsFor(options.module);
  // Validate every file before running any: bad input fails fast, naming the file and field.
  const scenarios: Scenario[] = [];
  for (const file of files) scenarios.push(await loadScenarioFile(file, protocols));
  // Said before anything runs: a run that will probably end at its budget should not surprise.
  for (const scenario of scenarios) {
    const warning = budgetWarning(scenario);
    if (warning !== undefined) io.err(`${chalk.yellow('warning:')} ${scenario.file}: ${warning}`);
  }
  const seed = options.seed === undefined ? undefined : parseSeed(options.seed);
  if (options.soak === true) {
    const clash = (['html', 'checkDeterminism', 'seeds'] as const).filter((k) => options[k] !== undefined && options[k] !== false);
    if (clash.length > 0) throw new UsageError(`--soak streams the history and keeps no trace; it does not combine with ${clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  }
  if (options.seeds !== undefined) {
    const clash = (['seed', 'trace', 'html', 'history', 'timeline', 'checkDeterminism'] as const).filter((k) => options[k] !== undefined && options[k] !== false);
    if (clash.length > 0) throw new UsageError(`--seeds runs many seeds; it does not combine with ${clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
    return sweepCommand(scenarios, parseSeedRange(options.seeds), { ...(options.module !== undefined ? { protocolModule: options.module } : {}), json: options.json === true, limits, progress: progressWanted(options) }, io);
  }
  // Every output path is checked before anything runs: a typo must not cost the run's results.
  const outputs = scenarios.map((scenario) => {
    const suffixed = (path: string | undefined): string | undefined => (path === undefined ? undefined : scenarios.length === 1 ? path : withSuffix(path, scenario.name));
    return { tracePath: suffixed(options.trace), htmlPath: suffixed(options.html), historyPath: suffixed(options.history) };
  });
  for (const o of outputs) {
    if (o.tracePath !== undefined) checkOutputFile(o.tracePath, '--trace');
    if (o.htmlPath !== undefined) checkOutputFile(o.htmlPath, '--html');
    if (o.historyPath !== undefined) checkOutputFile(o.historyPath, '--history');
  }
  const width = outputWidth(process.env, process.stdout);
  const progress = startProgress(
    { format: 'run [{bar}] {value}/{total} scenarios | {scenario}', total: scenarios.length, fields: { scenario: scenarios[0]!.name } },
    scenarios.length > 1 && progressWanted(options),
  );
  const say = besideProgress(io, progress);
  // Scenarios run in a resource-limited worker under a watchdog: a loop or a memory hog is a finding.
  const watched = watchedRunner(limits);
  const rows: RunRow[] = [];
  // Ctrl-C leaves no half-written trace behind.
  const onInterrupt = (): void => {
    for (const o of outputs) for (const path of [o.tracePath, o.htmlPath, o.historyPath]) if (path !== undefined) removeTempFiles(path);
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  let writeFailed = false;
  try {
    for (const [index, scenario] of scenarios.entries()) {
      const { tracePath, htmlPath, historyPath } = outputs[index]!;
      const job: RunJob = {
        file: scenario.file,
        ...(options.module !== undefined ? { protocolModule: options.module } : {}),
        ...(seed !== undefined ? { seed } : {}),
        ...(tracePath !== undefined ? { tracePath } : {}),
        ...(htmlPath !== undefined ? { htmlPath } : {}),
        ...(historyPath !== undefined ? { historyPath } : {}),
        timeline: options.timeline === true,
        colour: !options.json && chalk.level > 0,
        checkDeterminism: options.checkDeterminism === true,
        soak: options.soak === true,
      };
      const reported = watched !== undefined ? await watched.run(job, scenario) : runOne(scenario, job);
      const row = job.checkDeterminism ? { ...reported, determinism: await compareWithFresh(job, scenario, reported, { limits, reported: watched }) } : reported;
      rows.push(row);
      if (row.timeline !== undefined) {
        // JSON lines on stdout stay parseable: the timeline goes to stderr then.
        if (options.json) say.err(row.timeline);
        else say.out(row.timeline + '\n');
      }
      if (options.json) say.out(jsonText(toJson(row.result, row.wallMs, row.determinism, row.simulateMs)));
      else {
        say.out(formatRun(row.result, row.wallMs, row.simulateMs));
        if (htmlPath !== undefined && !row.result.findings.some((f) => isUnfinished(f.kind))) say.out(`${chalk.dim('report'.padEnd(10))}${htmlPath}`);
        if (row.determinism !== undefined) say.out(row.determinism.message);
        say.out('');
      }
      for (const failure of row.writeErrors ?? []) say.err(`${chalk.red('error:')} could not write ${failure} (the verdict above stands)`);
      if (row.writeErrors !== undefined) writeFailed = true;
      progress?.update(rows.length, { scenario: scenarios[rows.length]?.name ?? '' });
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
    progress?.stop();
    await watched?.close();
  }
  if (!options.json && rows.length > 1) {
    io.out(formatSummaryTable(rows, width));
    for (const table of protocolTables(rows.map((r) => r.result), width)) io.out('\n' + table);
    io.out('\n' + formatTotals(rows.map((r) => r.result)));
  }
  const code = exitCodeOf(rows.map((r) => ({ expectation: r.result.expectation, diverged: r.determinism?.diverged === true })));
  // An output that could not be written is bad usage (3) unless a property was violated (1).
  return writeFailed && code !== EXIT.violated ? EXIT.badInput : code;
}

export interface Determinism {
  readonly diverged: boolean;
  readonly message: string;
}

/** One scenario to run, as sent to the run worker (plain data). */
export interface RunJob {
  readonly file: string;
  readonly protocolModule?: string;
  readonly seed?: number | string;
  readonly tracePath?: string;
  readonly htmlPath?: string;
  readonly historyPath?: string;
  readonly timeline: boolean;
  /** Colour the timeline (decided by the main thread, which owns the terminal). */
  readonly colour: boolean;
  readonly checkDeterminism: boolean;
  /** Stream the history and report progress on stderr (`--soak`). */
  readonly soak?: boolean;
}

export interface RunRow {
  readonly result: RunResult;
  readonly wallMs: number;
  /** Wall time until the checks began: the simulation alone. */
  readonly simulateMs?: number;
  readonly determinism?: Determinism;
  /** Per trace event digests, when the job checks determinism (compared with a fresh run's). */
  readonly digests?: Int32Array;
  /** The rendered text timeline, when asked for. */
  readonly timeline?: string;
  /** Output files that could not be written (`--trace path: reason`): reported with the verdict. */
  readonly writeErrors?: readonly string[];
}

/** Runs one scenario with its artifacts (trace file, HTML report, timeline). Used in the worker. */
export function runOne(scenario: Scenario, job: RunJob, onProgress?: (phase: 'simulate' | 'check', events: number) => void, watch?: CallWatch): RunRow {
  const writeErrors: string[] = [];
  const file = job.tracePath === undefined ? undefined : new JsonLinesSink(job.tracePath);
  const digests = job.checkDeterminism ? new TraceDigests() : undefined;
  const recorder = job.htmlPath !== undefined || job.timeline ? new TraceRecorder() : undefined;
  // The report needs no timers or persists; the timeline only its key events: keep memory small.
  const keep = job.htmlPath !== undefined ? isReportEvent : isTimelineEvent;
  const report: TraceSink | undefined = recorder === undefined ? undefined : { event: (e) => keep(e) && recorder.event(e) };
  const sinks = [file, report, digests].filter((x): x is TraceSink => x !== undefined);
  const sink: TraceSink | undefined = sinks.length <= 1 ? sinks[0] : { event: (e) => sinks.forEach((x) => x.event(e)) };
  const started = performance.now();
  let checksStarted: number | undefined;
  const progress = (phase: 'simulate' | 'check', events: number): void => {
    if (phase === 'check' && checksStarted === undefined) checksStarted = performance.now();
    onProgress?.(phase, events);
  };
  // A soak streams the history to its file as it is recorded and reports on stderr.
  const historyFile = job.soak === true && job.historyPath !== undefined ? new AtomicStreamFile(job.historyPath) : undefined;
  const edn = job.historyPath?.endsWith('.edn') === true;
  // Written straight to fd 2: a worker's process.stderr flushes only when its event loop turns,
  // which a long synchronous run never lets it do.
  const soak = job.soak === true ? soakReporter((line) => writeSync(2, line + '\n')) : undefined;
  let result: RunResult;
  try {
    result = runScenario(scenario, {
      ...(job.seed !== undefined ? { seed: job.seed } : {}),
      ...(sink !== undefined ? { trace: sink } : {}),
      ...(watch !== undefined ? { callWatch: watch } : {}),
      onProgress: progress,
      ...(soak !== undefined
        ? { stream: { onStatus: soak.status, ...(historyFile !== undefined ? { onEvent: (e: HistoryEvent) => historyFile.write(edn ? toEdn([e]) : toJsonLines([e])) } : {}) } }
        : {}),
    });
  } finally {
    const lost = file?.close();
    if (lost !== undefined) writeErrors.push(`--trace ${job.tracePath}: ${lost}`);
    const lostHistory = historyFile?.close();
    if (lostHistory !== undefined) writeErrors.push(`--history ${job.historyPath}: ${lostHistory}`);
  }
  const wallMs = performance.now() - started;
  soak?.finish(result.virtualTimeUs);
  // A file that cannot be written costs that file, never the verdict: it is reported with it.
  const write = (flag: string, path: string, content: () => string): void => {
    try {
      writeFileAtomic(path, content());
    } catch (error) {
      writeErrors.push(`${flag} ${path}: ${(error as Error).message}`);
    }
  };
  if (job.historyPath !== undefined && historyFile === undefined) write('--history', job.historyPath, () => (job.historyPath!.endsWith('.edn') ? toEdn(result.history) : toJsonLines(result.history)));
  if (recorder !== undefined && job.htmlPath !== undefined) write('--html', job.htmlPath, () => renderRunHtml({ result, events: recorder.events, truncated: recorder.truncated }));
  const timeline =
    recorder !== undefined && job.timeline
      ? renderTimeline(recorder.events, { paint: job.colour ? timelinePaint : undefined, end: { timeUs: result.virtualTimeUs, checks: result.checks } })
      : undefined;
  return {
    result,
    wallMs,
    ...(checksStarted !== undefined ? { simulateMs: checksStarted - started } : {}),
    ...(timeline !== undefined ? { timeline } : {}),
    ...(writeErrors.length > 0 ? { writeErrors } : {}),
    ...(digests !== undefined ? { digests: digests.take() } : {}),
  };
}

export function exitCodeOf(results: ReadonlyArray<{ expectation: RunResult['expectation']; diverged?: boolean }>): ExitCode {
  if (results.some((r) => r.expectation === 'broken' || r.diverged)) return EXIT.violated;
  if (results.some((r) => r.expectation === 'inconclusive')) return EXIT.unknown;
  return EXIT.ok;
}

export function toJson(result: RunResult, wallMs: number, determinism?: Determinism, simulateMs?: number): Record<string, unknown> {
  return {
    scenario: result.scenario,
    file: result.file,
    protocol: result.protocol,
    flaws: result.flaws,
    seed: result.seed,
    traceHash: result.traceHash,
    events: result.events,
    virtualTimeUs: result.virtualTimeUs,
    wallTimeMs: Math.round(wallMs),
    ...(simulateMs !== undefined ? { simulateTimeMs: Math.round(simulateMs) } : {}),
    faults: result.faults,
    ops: result.ops,
    latency: result.latency,
    messages: {
      sent: result.messages.messagesSent,
      delivered: result.messages.messagesDelivered,
      dropped: result.messages.messagesDropped,
      dropsByReason: result.messages.dropsByReason,
      duplicated: result.messages.messagesDuplicated,
    },
    findings: result.findings,
    checks: result.checks.map((c) => ({ name: c.name, verdict: c.verdict, detail: c.detail, ...(c.evidence !== undefined ? { evidence: c.evidence } : {}) })),
    expected: result.expected,
    expectation: result.expectation,
    ...(determinism !== undefined ? { determinism } : {}),
  };
}


const timelineStyles: Record<TimelineStyle, (text: string) => string> = {
  time: chalk.dim,
  node: chalk.bold,
  fault: chalk.red,
  recover: chalk.green,
  partition: chalk.magenta,
  heal: chalk.green,
  role: chalk.cyan,
  leader: chalk.yellow.bold,
  clock: chalk.yellow,
  command: chalk.blue,
  note: chalk.white,
  violation: chalk.red.bold.inverse,
  finding: chalk.red.bold,
  phase: chalk.dim,
  dim: chalk.dim,
  pass: chalk.green,
  fail: chalk.red.bold,
};
const timelinePaint: Paint = (style, text) => timelineStyles[style](text);

export function parseSeed(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

function withSuffix(path: string, name: string): string {
  const base = basename(path).replace(/(\.[^.]+)?$/, (ext) => `-${name}${ext}`);
  return join(dirname(path), base);
}

/** Streams trace events as JSON lines into a temp file, renamed into place when the run ends. */
class JsonLinesSink implements TraceSink {
  private readonly file: AtomicStreamFile;

  constructor(path: string) {
    this.file = new AtomicStreamFile(path, 'trace');
  }

  event(event: TraceEvent): void {
    this.file.write(jsonText(event) + '\n');
  }

  /** Renames the trace into place; returns why it could not be written, if so. */
  close(): string | undefined {
    return this.file.close();
  }
}

