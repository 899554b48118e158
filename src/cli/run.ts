/** `dsim run FILE|DIR...`: run scenarios, print what happened and whether each property held. */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ProtocolDefinition } from '../core/protocol.js';
import { runScenario, type RunResult } from '../runner/index.js';
import type { Scenario } from '../scenario/resolve.js';
import { describeTraceEvent, type TraceEvent, type TraceSink } from '../trace/events.js';
import { EXIT, type ExitCode } from './errors.js';
import { formatRun, formatSummaryTable } from './format.js';
import { expandScenarioPaths, loadScenarioFile, protocolsFor } from './load.js';

export interface RunCommandOptions {
  readonly seed?: string;
  readonly json?: boolean;
  readonly trace?: string;
  readonly checkDeterminism?: boolean;
  readonly protocol?: string;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export async function runCommand(inputs: readonly string[], options: RunCommandOptions, io: Io): Promise<ExitCode> {
  const protocols = await protocolsFor(options.protocol);
  const files = expandScenarioPaths(inputs);
  // Validate every file before running any: bad input fails fast, naming the file and field.
  const scenarios = files.map((file) => loadScenarioFile(file, protocols));
  const seed = options.seed === undefined ? undefined : parseSeed(options.seed);
  const rows: Array<{ result: RunResult; wallMs: number; determinism?: Determinism }> = [];
  for (const scenario of scenarios) {
    const tracePath = options.trace === undefined ? undefined : scenarios.length === 1 ? options.trace : withSuffix(options.trace, scenario.name);
    const row = runOne(scenario, seed, tracePath, options.checkDeterminism === true);
    rows.push(row);
    if (options.json) io.out(JSON.stringify(toJson(row.result, row.wallMs, row.determinism)));
    else {
      io.out(formatRun(row.result, row.wallMs));
      if (row.determinism !== undefined) io.out(row.determinism.message);
      io.out('');
    }
  }
  if (!options.json && rows.length > 1) {
    io.out(formatSummaryTable(rows));
    const extra = tableExtras(rows.map((r) => r.result), protocols);
    if (extra !== '') io.out('\n' + extra);
  }
  return exitCodeOf(rows.map((r) => ({ expectation: r.result.expectation, diverged: r.determinism?.diverged === true })));
}

interface Determinism {
  readonly diverged: boolean;
  readonly message: string;
}

function runOne(scenario: Scenario, seed: number | string | undefined, tracePath: string | undefined, checkDeterminism: boolean): { result: RunResult; wallMs: number; determinism?: Determinism } {
  const sink = tracePath === undefined ? undefined : new JsonLinesSink(tracePath);
  const started = performance.now();
  let result: RunResult;
  try {
    result = runScenario(scenario, { ...(seed !== undefined ? { seed } : {}), ...(sink !== undefined ? { trace: sink } : {}) });
  } finally {
    sink?.close();
  }
  const wallMs = performance.now() - started;
  if (!checkDeterminism) return { result, wallMs };
  return { result, wallMs, determinism: compareRuns(scenario, seed) };
}

/**
 * Runs the scenario twice more with full traces and compares them event by event. Returns a
 * message naming the first diverging event, or a confirmation.
 */
function compareRuns(scenario: Scenario, seed: number | string | undefined): Determinism {
  const record = (): { hash: string; lines: string[] } => {
    const lines: string[] = [];
    const sink: TraceSink = { event: (e: TraceEvent) => void (lines.length < 5_000_000 && lines.push(JSON.stringify(e))) };
    const r = runScenario(scenario, { ...(seed !== undefined ? { seed } : {}), trace: sink });
    return { hash: r.traceHash, lines };
  };
  const a = record();
  const b = record();
  const length = Math.max(a.lines.length, b.lines.length);
  for (let i = 0; i < length; i++) {
    if (a.lines[i] !== b.lines[i]) {
      const show = (line: string | undefined): string => (line === undefined ? '(no event)' : describeTraceEvent(JSON.parse(line) as TraceEvent));
      return { diverged: true, message: `determinism: DIVERGED at trace event ${i}:\n  run 1: ${show(a.lines[i])}\n  run 2: ${show(b.lines[i])}` };
    }
  }
  if (a.hash !== b.hash) return { diverged: true, message: `determinism: DIVERGED: equal traces but hashes ${a.hash} and ${b.hash}` };
  return { diverged: false, message: `determinism: two more runs gave the same ${a.lines.length} trace events and hash ${a.hash}` };
}

export function exitCodeOf(results: ReadonlyArray<{ expectation: RunResult['expectation']; diverged?: boolean }>): ExitCode {
  if (results.some((r) => r.expectation === 'broken' || r.diverged)) return EXIT.violated;
  if (results.some((r) => r.expectation === 'inconclusive')) return EXIT.unknown;
  return EXIT.ok;
}

export function toJson(result: RunResult, wallMs: number, determinism?: Determinism): Record<string, unknown> {
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

/** Protocol-specific tables for a directory run (e.g. the master-slave trade-off table). */
const tableHooks: Array<(results: readonly RunResult[], protocols: ReadonlyMap<string, ProtocolDefinition>) => string> = [];
export function registerTableHook(hook: (results: readonly RunResult[], protocols: ReadonlyMap<string, ProtocolDefinition>) => string): void {
  tableHooks.push(hook);
}
function tableExtras(results: readonly RunResult[], protocols: ReadonlyMap<string, ProtocolDefinition>): string {
  return tableHooks
    .map((hook) => hook(results, protocols))
    .filter((text) => text !== '')
    .join('\n\n');
}

export function parseSeed(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

function withSuffix(path: string, name: string): string {
  const base = basename(path).replace(/(\.[^.]+)?$/, (ext) => `-${name}${ext}`);
  return join(dirname(path), base);
}

/** Streams trace events as JSON lines into a temp file, renamed into place when the run ends. */
class JsonLinesSink implements TraceSink {
  private readonly temp: string;
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    this.fd = openSync(this.temp, 'w');
  }

  event(event: TraceEvent): void {
    const line = JSON.stringify(event, jsonReplacer) + '\n';
    this.buffer.push(line);
    this.size += line.length;
    if (this.size > 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.temp, this.path);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}
