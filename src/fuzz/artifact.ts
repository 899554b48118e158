/**
 * Failure files: the shrunk scenario as YAML, headed by a comment block with what found it and how
 * to replay it. The header is also read back by `dsim replay` (the recorded trace hash).
 */
import { Document, isMap, isSeq, parseDocument } from 'yaml';
import type { ScenarioObject, ScenarioSize } from './arbitraries.js';
import type { FuzzFailure, FuzzRunOutcome } from './engine.js';
import { TraceHash } from '../trace/hash.js';

export interface ArtifactMeta {
  readonly dsimVersion: string;
  /** The command that found it, e.g. `dsim fuzz --protocol broadcast --seed 42`. */
  readonly foundBy: string;
  /** E.g. `dsim replay failures/x.yaml`. */
  readonly replayCommand: string;
}

/** A file name for a failure: unique per protocol, flaws and run seed. */
export function failureFileName(outcome: FuzzRunOutcome): string {
  const name = outcome.failure?.scenario.name;
  return `${typeof name === 'string' ? name : `fuzz-${outcome.seed}`}.yaml`;
}

export function describeSize(size: ScenarioSize): string {
  return `${size.faults} faults, ${size.ops ?? '?'} ops, ${size.nodes} nodes, ${size.durationMs}ms, ${size.clients} clients`;
}

export function describeShrink(failure: FuzzFailure): string {
  const { before: b, after: a } = failure;
  // Each shrink try of a hang would cost the whole timeout: a hang is written as found.
  if (failure.hang !== undefined) return `not shrunk (a hang): ${describeSize(a)}`;
  return (
    `faults ${b.faults} -> ${a.faults}, ops ${b.ops ?? '?'} -> ${a.ops ?? '?'}, nodes ${b.nodes} -> ${a.nodes}, ` +
    `duration ${b.durationMs}ms -> ${a.durationMs}ms, clients ${b.clients} -> ${a.clients} ` +
    `(${failure.shrinkSteps} smaller failures in ${failure.shrinkRuns} shrink runs)`
  );
}

/** A deployment's groups in brief: `coord (coordination), store (store), clients (lock-client)`, with their flaws. */
function servicesOf(scenario: ScenarioObject): string {
  return Object.entries((scenario.groups ?? {}) as Record<string, { protocol?: string; flaws?: string[] }>)
    .map(([name, g]) => `${name} (${g.protocol ?? '?'}${g.flaws !== undefined && g.flaws.length > 0 ? ` with flaws ${g.flaws.join(', ')}` : ''})`)
    .join(', ');
}

/** The failure file's text: header comment, then the scenario. */
export function renderFailureFile(outcome: FuzzRunOutcome, meta: ArtifactMeta): string {
  const failure = outcome.failure;
  if (failure === undefined) throw new Error('renderFailureFile needs a failed outcome');
  const scenario = failure.scenario;
  const body = scenarioYaml(scenario);
  const flaws = Array.isArray(scenario.flaws) && scenario.flaws.length > 0 ? ` with flaws ${scenario.flaws.join(', ')}` : '';
  const lines = [
    `dsim fuzz failure: ${scenario.protocol ?? servicesOf(scenario)}${flaws}`,
    `found by: ${meta.foundBy} (run ${outcome.index}, run seed ${outcome.seed})`,
    `dsim version: ${meta.dsimVersion}`,
    `seed: ${outcome.seed}`,
    `trace hash: ${failure.traceHash}`,
    `scenario digest: ${scenarioDigest(body)}`,
    `failing checks: ${failure.failed.map((c) => `${c.name} (${c.kind})`).join(', ') || '(none: the run threw)'}`,
    ...failure.failed.map((c) => `  ${c.name}: ${oneLine(c.detail)}`),
    ...(failure.error !== undefined ? [`error: ${oneLine(failure.error)}`] : []),
    `shrunk: ${describeShrink(failure)}`,
    `replay: ${meta.replayCommand}`,
  ];
  const header = lines.map((line) => `# ${line}`.trimEnd()).join('\n');
  return `${header}\n${body}`;
}

/** Block YAML with one flow mapping per fault: a plan reads like a timeline. */
export function scenarioYaml(scenario: ScenarioObject): string {
  const doc = new Document(scenario);
  const faults = doc.get('faults');
  if (isSeq(faults)) for (const item of faults.items) if (isMap(item)) item.flow = true;
  const network = doc.get('network');
  if (isMap(network)) {
    const latency = network.get('latency');
    if (isMap(latency)) latency.flow = true;
    const reorder = network.get('reorder');
    if (isMap(reorder)) reorder.flow = true;
  }
  for (const key of ['checks', 'flaws']) {
    const list = doc.get(key);
    if (isSeq(list)) list.flow = true;
  }
  const heal = doc.get('heal');
  if (isMap(heal)) heal.flow = true;
  return doc.toString({ lineWidth: 0 });
}

export interface FailureHeader {
  readonly traceHash?: string;
  /** `scenarioDigest` of the body when written: replay tells an edited file from changed code. */
  readonly scenarioDigest?: string;
  readonly seed?: string;
  readonly dsimVersion?: string;
  readonly failingChecks?: readonly string[];
}

/** Reads the header comment back; fields missing from a hand-edited file are undefined. */
export function parseFailureHeader(text: string): FailureHeader {
  const field = (name: string): string | undefined => new RegExp(`^#\\s*${name}:\\s*(.+?)\\s*$`, 'm').exec(text)?.[1];
  const checks = field('failing checks');
  const trace = field('trace hash');
  const seed = field('seed');
  const version = field('dsim version');
  const digest = field('scenario digest');
  return {
    ...(trace !== undefined ? { traceHash: trace } : {}),
    ...(digest !== undefined ? { scenarioDigest: digest } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(version !== undefined ? { dsimVersion: version } : {}),
    ...(checks !== undefined ? { failingChecks: checks.split(',').map((c) => c.trim().replace(/\s*\(.*\)$/, '')).filter((c) => c !== '' && !c.startsWith('(none')) } : {}),
  };
}

/**
 * 16 hex digits of a failure file's scenario: every line after the header comment, line endings
 * aside (a checkout may turn them into CRLF). Any other edit changes it.
 */
export function scenarioDigest(text: string): string {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first]!.startsWith('#')) first++;
  const hash = new TraceHash();
  for (const line of lines.slice(first)) hash.mixString(line.replace(/\r$/, ''));
  return hash.hex();
}

/** Parses a failure file's scenario body into the plain object (for tests and tooling). */
export function parseFailureScenario(text: string): unknown {
  return parseDocument(text).toJS();
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}
