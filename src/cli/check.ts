/**
 * `dsim check HISTORY --model NAME [--initial V] [--format text|json|edn] [--timeout 60s] ...`
 *
 * Checks a recorded history (Jepsen EDN in any layout, Jepsen's text op lines, or dsim JSON
 * lines) for linearizability against a model, or, for the transactional models, hands it to the
 * isolation checker (check-isolation.ts). Exit codes: 0 linearizable, 1 not, 2 unknown (a budget
 * or the timeout ran out, reading included), 3 bad input.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { formatBytes, parseBytes } from '../core/bytes.js';
import { HistoryError, pairOperations } from '../core/history.js';
import type { Operation } from '../core/history.js';
import { parseDurationUs } from '../core/time.js';
import { DEFAULT_MAX_MEMORY_BYTES, checkLinearizability, createModel, describeOperation, modelEntry, modelNames } from '../checkers/linearizability/index.js';
import type { AnyModel, LinearizabilityResult, ModelOptions } from '../checkers/linearizability/index.js';
import { HISTORY_FORMATS, HistoryParseError, ParseStopped, parseEdnValue } from '../history/index.js';
import type { HistoryFormat } from '../history/index.js';
import { TXN_MODELS } from '../checkers/isolation/index.js';
import { didYouMean } from '../core/suggest.js';
import { isTxnModel, runIsolationCheck } from './check-isolation.js';
import { MAX_TEXT_BYTES, readHistoryFile } from './history-file.js';
import { renderLinearizabilityHtml } from '../report/linearizability-html.js';
import { formatCheckEdn, formatCheckJson, formatCheckText } from './check-output.js';
import type { CheckReport } from './check-output.js';
import { writeFileAtomic } from './atomic.js';
import { EXIT, UsageError } from './errors.js';

export type CheckOutputFormat = 'text' | 'json' | 'edn';

export interface CheckCommandOptions {
  readonly model: string;
  /** Same as `format: 'json'`. */
  readonly json?: boolean;
  /** How the result is printed. Default text. */
  readonly format?: string;
  /** The history's format: edn, jsonl, jepsen-text or auto (detected). */
  readonly inputFormat?: string;
  /** Wall-clock limit for reading and checking, e.g. `10s`, `500ms`. */
  readonly timeout?: string;
  /** Write a self-contained HTML report here. */
  readonly html?: string;
  /** The model's initial value, as EDN or JSON (`0`, `nil`, `{:x 0 :y 0}`). */
  readonly initial?: string;
  /** A read that returned nil constrains nothing (Knossos's registers). */
  readonly nilReadsUnknown?: boolean;
  /** jepsen.independent `[k v]` values: true insists, false never; absent detects. */
  readonly independent?: boolean;
  /** The search's memory budget, e.g. `1GB`. */
  readonly maxMemory?: string;
  /** The number of configurations the search may remember. */
  readonly maxStates?: string;
  /** Refuse history files larger than this, e.g. `300MB`. */
  readonly maxInput?: string;
  /** Transactional models: the consistency model the history is judged against. */
  readonly consistency?: string;
}

export interface CheckCommandIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

/**
 * Parsed histories take about ten times their text in memory, and checking them a little more:
 * by default a file may use a twelfth of the heap Node was given.
 */
const INPUT_HEAP_SHARE = 12;

/** Defaults that depend on the machine: half a heap's worth of search, a twelfth of it of input. */
function machineDefaults(): { maxMemoryBytes: number; maxInputBytes: number } {
  const heap = getHeapStatistics().heap_size_limit;
  return {
    maxMemoryBytes: Math.min(DEFAULT_MAX_MEMORY_BYTES, Math.floor(heap / 4)),
    maxInputBytes: Math.min(MAX_TEXT_BYTES, Math.floor(heap / INPUT_HEAP_SHARE)),
  };
}

interface ParsedOptions {
  readonly model: AnyModel;
  readonly output: CheckOutputFormat;
  readonly inputFormat: HistoryFormat | 'auto';
  readonly timeoutUs?: number;
  readonly maxMemoryBytes: number;
  readonly maxConfigurations?: number;
  readonly maxInputBytes: number;
}

function parseValueOption(text: string, flag: string): unknown {
  try {
    return parseEdnValue(text);
  } catch (ednError) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      const why = ednError instanceof HistoryParseError ? ednError.detail : String(ednError);
      throw new UsageError(`${JSON.stringify(text)} is not an EDN or JSON value (${why})`, undefined, flag);
    }
  }
}

function parseOptions(options: CheckCommandOptions): ParsedOptions {
  const modelOptions: { -readonly [K in keyof ModelOptions]: ModelOptions[K] } = {};
  if (options.initial !== undefined) modelOptions.initial = parseValueOption(options.initial, '--initial');
  if (options.nilReadsUnknown === true) modelOptions.nilReadsUnknown = true;
  const created = createModel(options.model, modelOptions);
  if ('problem' in created) {
    if (modelEntry(options.model) !== undefined) throw new UsageError(created.problem);
    const known = [...modelNames(), ...TXN_MODELS];
    throw new UsageError(`unknown model ${JSON.stringify(options.model)}${didYouMean(options.model, known)} (known: ${known.join(', ')})`, undefined, '--model');
  }
  if (options.consistency !== undefined) throw new UsageError('--consistency applies to the transactional models list-append and rw-register', undefined, '--consistency');

  const output = options.json === true ? 'json' : (options.format ?? 'text');
  if (output !== 'text' && output !== 'json' && output !== 'edn') {
    const hint = (HISTORY_FORMATS as readonly string[]).includes(output) || output === 'auto' ? ` (the history's own format is --input-format ${output})` : '';
    throw new UsageError(`expected text, json or edn, got ${JSON.stringify(output)}${hint}`, undefined, '--format');
  }
  const inputFormat = options.inputFormat ?? 'auto';
  if (inputFormat !== 'auto' && !(HISTORY_FORMATS as readonly string[]).includes(inputFormat)) {
    throw new UsageError(`expected ${HISTORY_FORMATS.join(', ')} or auto, got ${JSON.stringify(inputFormat)}`, undefined, '--input-format');
  }

  let timeoutUs: number | undefined;
  if (options.timeout !== undefined) {
    timeoutUs = parseDurationUs(options.timeout);
    if (timeoutUs === undefined || timeoutUs <= 0) throw new UsageError(`invalid duration ${JSON.stringify(options.timeout)} (e.g. 10s, 500ms, 2m)`, undefined, '--timeout');
  }
  const defaults = machineDefaults();
  const bytesOption = (text: string | undefined, flag: string, fallback: number): number => {
    if (text === undefined) return fallback;
    const bytes = parseBytes(text);
    if (bytes === undefined || bytes <= 0) throw new UsageError(`invalid size ${JSON.stringify(text)} (e.g. 512MB, 2GB)`, undefined, flag);
    return bytes;
  };
  const maxInputBytes = bytesOption(options.maxInput, '--max-input', defaults.maxInputBytes);
  if (maxInputBytes > MAX_TEXT_BYTES) throw new UsageError(`at most ${formatBytes(MAX_TEXT_BYTES)}: the longest text Node can hold`, undefined, '--max-input');
  let maxConfigurations: number | undefined;
  if (options.maxStates !== undefined) {
    maxConfigurations = Number(options.maxStates.replace(/[_,]/g, ''));
    if (!Number.isSafeInteger(maxConfigurations) || maxConfigurations <= 0) {
      throw new UsageError(`expected a positive whole number, got ${JSON.stringify(options.maxStates)}`, undefined, '--max-states');
    }
  }
  return {
    model: created.model,
    output,
    inputFormat: inputFormat as HistoryFormat | 'auto',
    ...(timeoutUs === undefined ? {} : { timeoutUs }),
    maxMemoryBytes: bytesOption(options.maxMemory, '--max-memory', defaults.maxMemoryBytes),
    ...(maxConfigurations === undefined ? {} : { maxConfigurations }),
    maxInputBytes,
  };
}

/** An inconclusive result for a check whose timeout ran out before the search began. */
function stoppedWhileReading(line: number): LinearizabilityResult {
  const stats = { operations: 0, ok: 0, failed: 0, indeterminate: 0, searched: 0, unobservedWrites: 0, partitions: 0, partitionsChecked: 0, partitionsUnknown: 0, steps: 0, cacheEntries: 0, states: 0, peakMemoryBytes: 0 };
  return { kind: 'unknown', reason: `the timeout ran out while reading the history (at line ${line})`, partial: [], stats };
}

export async function runCheckCommand(historyPath: string, options: CheckCommandOptions, io: CheckCommandIo): Promise<number> {
  if (isTxnModel(options.model)) return runTxnCheck(historyPath, options, io);
  const parsed = parseOptions(options);
  const model = parsed.model;
  const started = performance.now();
  const deadlineMs = parsed.timeoutUs === undefined ? undefined : started + parsed.timeoutUs / 1000;
  const shouldStop = deadlineMs === undefined ? undefined : (): boolean => performance.now() >= deadlineMs;

  let lineOfEvent: (eventIndex: number) => string | undefined = () => undefined;
  let operations: Operation[] = [];
  let result: LinearizabilityResult;
  try {
    const history = await readHistoryFile(historyPath, parsed.inputFormat, { maxInputBytes: parsed.maxInputBytes, ...(shouldStop === undefined ? {} : { shouldStop }) });
    lineOfEvent = history.lineOfEvent;
    operations = pairOperations(history.events, { allowInvokeAfterInfo: true });
    result = checkLinearizability(operations, model, {
      maxMemoryBytes: parsed.maxMemoryBytes,
      ...(parsed.maxConfigurations === undefined ? {} : { maxConfigurations: parsed.maxConfigurations }),
      ...(shouldStop === undefined ? {} : { shouldStop }),
      ...(options.independent === undefined ? {} : { independent: options.independent }),
    });
  } catch (error) {
    if (error instanceof HistoryError) {
      // HistoryError's message leads with "event N:"; the line number says it better.
      const detail = error.message.replace(/^event \d+: /, '');
      throw new UsageError(detail, historyPath, lineOfEvent(error.eventIndex) ?? `event ${error.eventIndex}`);
    }
    if (error instanceof ParseStopped) result = stoppedWhileReading(error.line);
    else throw error;
  }
  const elapsedMs = performance.now() - started;

  if (options.html !== undefined) {
    const html = renderLinearizabilityHtml({
      title: `${path.basename(historyPath)} — ${model.name}`,
      modelName: model.name,
      operations,
      result,
      describeOp: (op) => describeOperation(op, model),
    });
    writeReport(options.html, html);
  }

  const report: CheckReport = { file: historyPath, model, result, elapsedMs, empty: operations.length === 0, ...(options.html === undefined ? {} : { html: options.html }) };
  switch (parsed.output) {
    case 'json':
      io.out(formatCheckJson(report));
      break;
    case 'edn':
      io.out(formatCheckEdn(report));
      break;
    case 'text':
      io.out(formatCheckText(report));
      if (options.html !== undefined) io.out(`report: ${options.html}\n`);
      break;
  }
  switch (result.kind) {
    case 'linearizable':
      return EXIT.ok;
    case 'not-linearizable':
      return EXIT.violated;
    case 'unknown':
      return EXIT.unknown;
  }
}

/** The transactional models go to the isolation checker, with the options that apply to it. */
function runTxnCheck(historyPath: string, options: CheckCommandOptions, io: CheckCommandIo): Promise<number> {
  const output = options.json === true ? 'json' : (options.format ?? 'text');
  if (output !== 'text' && output !== 'json') throw new UsageError(`the transactional models print text or json, not ${JSON.stringify(output)}`, undefined, '--format');
  const linearizabilityOnly: [keyof CheckCommandOptions, string][] = [
    ['initial', '--initial'],
    ['nilReadsUnknown', '--nil-reads-unknown'],
    ['independent', '--independent'],
    ['maxMemory', '--max-memory'],
    ['maxStates', '--max-states'],
  ];
  for (const [key, flag] of linearizabilityOnly) {
    if (options[key] !== undefined) throw new UsageError(`${flag} applies to the linearizability models, not ${options.model}`, undefined, flag);
  }
  const inputFormat = options.inputFormat ?? 'auto';
  if (inputFormat !== 'auto' && !(HISTORY_FORMATS as readonly string[]).includes(inputFormat)) {
    throw new UsageError(`expected ${HISTORY_FORMATS.join(', ')} or auto, got ${JSON.stringify(inputFormat)}`, undefined, '--input-format');
  }
  return runIsolationCheck(
    historyPath,
    {
      model: options.model as Parameters<typeof runIsolationCheck>[1]['model'],
      ...(options.consistency === undefined ? {} : { consistency: options.consistency }),
      json: output === 'json',
      ...(options.html === undefined ? {} : { html: options.html }),
      format: inputFormat as HistoryFormat | 'auto',
    },
    io,
  );
}

/** The report through the shared atomic write; a failure is the user's path, not a crash. */
function writeReport(file: string, content: string): void {
  try {
    writeFileAtomic(file, content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot write the report (${code ?? (error as Error).message})`, file);
  }
}
