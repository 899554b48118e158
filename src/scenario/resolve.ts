/**
 * From text to a resolved Scenario: YAML parse, schema validation with exact field paths, protocol
 * options and flaws validated by the protocol itself, and the fault list expanded (`for:` becomes
 * a second event that undoes the first).
 */
import type { Op } from '../core/ops.js';
import type { ProtocolDefinition } from '../core/protocol.js';
import { promisesOf } from '../core/promises.js';
import { didYouMean } from '../core/suggest.js';
import { protocolRegistry } from '../protocols/index.js';
import { knownKeysAt } from '../protocols/common/options.js';
import type { FaultAction, FaultEvent, PartitionRequest } from '../faults/plan.js';
import type { LatencySpec } from '../network/latency.js';
import type { NetworkConfig } from '../network/network.js';
import { DEFAULT_MIX, MODEL_OPS, hasFinalWrite, isTxnModel, type KeyDistribution, type ModelName } from '../workload/generators.js';
import type { WorkloadConfig } from '../workload/clients.js';
import { scenarioSchema, type ExploreEntry, type FaultEntry, type ParsedScenario } from './schema.js';
import { checkFlaws, defaultService, groupPromises, groupTargetIssues, groupsDefinition, lookupProtocol, resolveGroups, type ScenarioGroup } from './groups.js';
import { ScenarioError, type ScenarioIssue } from './issues.js';
import { describeZodIssues, echo } from './zod-issues.js';
import { faultTargetIssues } from './targets.js';
import { readScenarioYaml } from './yaml.js';

export { ScenarioError, formatIssue, formatPath, type ScenarioIssue } from './issues.js';

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  /** Where it came from, for messages ("<inline>" when built in code). */
  readonly file: string;
  readonly protocol: ProtocolDefinition;
  readonly options: unknown;
  readonly flaws: readonly string[];
  readonly nodes: number;
  readonly spares: number;
  readonly seed: number | string;
  readonly durationUs: number;
  readonly network: NetworkConfig;
  readonly model: ModelName;
  readonly workload: WorkloadConfig & {
    readonly keys: number;
    readonly keyDistribution: KeyDistribution;
    readonly mix: Readonly<Record<string, number>>;
    readonly maxTxnOps: number;
    readonly untilUs: number;
    readonly finalReads: boolean;
    /** The final reads wait for one write (`workload.finalWrite`); only where there are final reads. */
    readonly finalWrite: boolean;
  };
  readonly faults: readonly FaultEvent[];
  readonly heal: false | { readonly quiesceUs: number; readonly restart: boolean };
  readonly checks: readonly string[];
  readonly expect: 'pass' | { readonly violates: readonly string[] };
  readonly limits: { readonly events?: number; readonly queue?: number };
  /** Multi-group scenarios: the groups in node order (then `protocol` is their composite). */
  readonly groups?: readonly ScenarioGroup[];
  /** Multi-group scenarios: the group the workload's clients address. */
  readonly service?: string;
  /** Bounds and scripted workload for `dsim explore` (and a recorded choice log), when given. */
  readonly explore?: ExploreConfig;
  /** The validated input, for writing the scenario back (fuzz artifacts). */
  readonly source: ParsedScenario;
  readonly raw: unknown;
}

export type ExploreStrategy = 'bfs' | 'dfs' | 'random-walk' | 'pct' | 'partitions' | 'partitions-dfs';

/** `explore:` resolved: the scripted clients' ops parsed. */
export interface ExploreConfig {
  readonly depth: number;
  readonly maxStates: number;
  readonly strategy: ExploreStrategy;
  /** PCT's bug depth d. */
  readonly pctDepth: number;
  readonly crashes: number;
  readonly drops: number;
  readonly duplicates: number;
  /** Messages overtaken on their link on a path at most (Infinity: any order; see choices.ts). */
  readonly reorders: number;
  /** Timer firings on a path at most (Infinity: unbounded). */
  readonly timeouts: number;
  /** Partition changes on a path at most, for the partitions strategies (Infinity: unbounded). */
  readonly partitions: number;
  readonly symmetry: boolean;
  readonly time: 'timers' | 'frozen';
  readonly clients: readonly (readonly Op[])[];
  /** Bounded liveness (fair continuations of at most `within` steps after the faults stop), when checked. */
  readonly liveness?: { readonly within: number };
  readonly choices?: readonly string[];
}

export interface ResolveOptions {
  /** Protocols by name (built-ins plus a user's module). */
  readonly protocols: ReadonlyMap<string, ProtocolDefinition>;
  /**
   * Further checks of a resolved scenario that need more than the file (check names and role
   * targets need the protocol itself: the runner supplies them). Issues found are thrown as a
   * ScenarioError, located in the file like any other.
   */
  readonly validate?: (scenario: Scenario) => readonly ScenarioIssue[];
}

export const DEFAULT_LATENCY: LatencySpec = { dist: 'exponential', meanUs: 5_000, minUs: 1_000 };

/** Parses YAML text into a Scenario. Throws ScenarioError naming the line and column of each problem. */
export function parseScenarioText(text: string, file: string, options: ResolveOptions = { protocols: protocolRegistry() }): Scenario {
  const yaml = readScenarioYaml(text, file);
  try {
    return resolveScenario(yaml.value, file, options);
  } catch (error) {
    if (!(error instanceof ScenarioError) || error.file !== file) throw error;
    throw new ScenarioError(file, error.issues.map((issue) => (issue.line !== undefined ? issue : { ...issue, ...yaml.locate(issue.locateAt ?? issue.path) })));
  }
}

/** Validates a plain object (parsed YAML, or built in code) into a Scenario. */
export function resolveScenario(raw: unknown, file: string, options: ResolveOptions = { protocols: protocolRegistry() }): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ScenarioError(file, [{ path: [], message: 'expected a mapping of scenario fields (name, protocol, nodes, ...)' }]);
  }
  const parsed = scenarioSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ScenarioError(file, describeZodIssues(parsed.error.issues, [], (path) => knownKeysAt(scenarioSchema, path)));
  const s = parsed.data;

  const issues: ScenarioIssue[] = [];
  const groups = s.groups === undefined ? undefined : resolveGroups(s, raw, options.protocols, issues);
  if (groups !== undefined && (issues.length > 0 || groups.length === 0)) throw new ScenarioError(file, issues);
  let protocol: ProtocolDefinition;
  if (groups === undefined) {
    const found = lookupProtocol(s.protocol!, ['protocol'], options.protocols);
    if ('issue' in found) throw new ScenarioError(file, [found.issue]);
    protocol = found.protocol;
  } else protocol = groupsDefinition(groups, s.workload.service ?? defaultService(groups));
  const opts = groups === undefined ? protocol.parseOptions(s.options) : { ok: true as const, value: {} };
  if (!opts.ok) for (const issue of opts.issues) issues.push({ path: ['options', ...issue.path], message: issue.message });
  if (groups === undefined) checkFlaws(protocol, s.flaws, ['flaws'], issues);
  if (opts.ok && protocol.clusterIssues !== undefined && issues.length === 0) {
    for (const issue of protocol.clusterIssues({ options: opts.value, flaws: new Set(s.flaws), nodes: s.nodes })) issues.push({ path: ['options', ...issue.path], message: issue.message });
  }
  if (groups !== undefined && s.workload.service !== undefined && !groups.some((g) => g.name === s.workload.service)) {
    issues.push({ path: ['workload', 'service'], message: `no group ${echo(s.workload.service)}${didYouMean(s.workload.service, groups.map((g) => g.name))}; expected one of: ${groups.map((g) => g.name).join(', ')}` });
  }
  if (groups === undefined && s.workload.service !== undefined) issues.push({ path: ['workload', 'service'], message: 'service applies to scenarios with groups only' });
  issues.push(...groupTargetIssues(s.faults, groups?.map((g) => g.name)));
  let model = (s.workload.model ?? protocol.models[0] ?? 'kv') as ModelName;
  const clientless = groups !== undefined && s.workload.clients === 0;
  if (!(model in MODEL_OPS)) {
    // Models whose clients are nodes (lock clients): without workload clients the model names nothing a client issues.
    if (clientless) model = 'kv';
    else
      throw new ScenarioError(file, [
        ...issues,
        { path: groups === undefined ? ['workload', 'model'] : ['workload', 'service'], message: `${protocol.name} serves ${model}, whose clients are nodes of a group (lock-client), not workload clients: give the scenario groups (see scenarios/coordination/) with workload clients: 0, or a service that serves a client model` },
      ]);
  }
  const declared = (s.options as Record<string, unknown>)['model'];
  if (typeof declared === 'string' && declared !== model) {
    issues.push({ path: ['options', 'model'], message: `${declared} disagrees with workload.model ${model}: the protocol serves the workload's model (omit options.model)` });
  }
  if (!protocol.models.includes(model) && !clientless) {
    issues.push({ path: ['workload', 'model'], message: `${protocol.name} serves ${protocol.models.join(', ')}, not ${model}` });
  }
  const mix = s.workload.mix ?? DEFAULT_MIX[model];
  for (const f of Object.keys(mix)) {
    if (!MODEL_OPS[model].includes(f)) issues.push({ path: ['workload', 'mix', f], message: `model ${model} has ${isTxnModel(model) ? 'micro-ops' : 'ops'} ${MODEL_OPS[model].join(', ')}, not ${f}` });
  }
  if (Object.values(mix).every((w) => w === 0)) issues.push({ path: ['workload', 'mix'], message: 'at least one op needs a weight above 0' });
  const explore = s.explore === undefined ? undefined : resolveExplore(s.explore, model, issues);
  issues.push(...faultTargetIssues(s, groups === undefined ? s.nodes : groups.reduce((sum, g) => sum + g.nodes.length, 0)));
  if (issues.length > 0) throw new ScenarioError(file, issues);

  const net = s.network;
  const network: NetworkConfig = {
    latency: (net.latency as LatencySpec | undefined) ?? DEFAULT_LATENCY,
    loss: net.loss,
    duplicate: net.duplicate,
    reorder: net.reorder?.p ?? 0,
    reorderDelayUs: net.reorder?.delay ?? 0,
    ...(net.reorder?.min !== undefined ? { reorderMinUs: net.reorder.min } : {}),
    fifo: net.fifo,
    inFlightOnCut: net.inFlightOnCut,
    lossyClientLinks: net.lossyClientLinks,
  };
  const w = s.workload;
  const keyDistribution: KeyDistribution =
    w.keyDistribution === 'uniform'
      ? { kind: 'uniform' }
      : w.keyDistribution === 'zipfian'
        ? { kind: 'zipfian', exponent: 0.99 }
        : { kind: 'zipfian', exponent: w.keyDistribution.zipfian };
  const finalReads = w.finalReads && w.clients > 0 && (MODEL_OPS[model].includes('read') || isTxnModel(model));

  const scenario: Scenario = {
    name: s.name ?? baseName(file),
    ...(s.description !== undefined ? { description: s.description } : {}),
    file,
    protocol,
    options: opts.ok ? opts.value : undefined,
    flaws: s.flaws,
    nodes: groups === undefined ? s.nodes : groups.reduce((sum, g) => sum + g.nodes.length, 0),
    spares: s.spares,
    ...(groups !== undefined ? { groups, service: s.workload.service ?? defaultService(groups) } : {}),
    seed: s.seed,
    durationUs: s.duration,
    network,
    model,
    workload: {
      clients: w.clients,
      ...(w.rate !== undefined ? { ratePerSecond: w.rate } : {}),
      thinkUs: w.think,
      timeoutUs: w.timeout,
      retryDelayUs: w.retryDelay,
      ...(w.retries !== undefined && w.retries > 0 ? { retries: w.retries } : {}),
      route: w.route,
      keys: w.keys,
      keyDistribution,
      mix,
      maxTxnOps: w.maxTxnOps,
      untilUs: Math.min(w.until ?? s.duration, s.duration),
      finalReads,
      finalWrite: finalReads && w.finalWrite && hasFinalWrite(model),
    },
    faults: expandFaults(s.faults),
    heal: s.heal === false ? false : { quiesceUs: s.heal.quiesce, restart: s.heal.restart },
    checks:
      s.checks ??
      (groups !== undefined
        ? groupPromises(groups, { service: s.workload.service ?? defaultService(groups), model, clients: w.clients, healed: s.heal !== false, commands: commandNames(s.faults) })
        : opts.ok
          ? promisesOf(protocol, { options: opts.value, model, nodes: s.nodes, healed: s.heal !== false, commands: commandNames(s.faults) }).checks
          : []),
    expect: s.expect,
    limits: s.limits,
    ...(explore !== undefined ? { explore } : {}),
    source: s,
    raw,
  };
  const further = options.validate?.(scenario) ?? [];
  if (further.length > 0) throw new ScenarioError(file, further);
  return scenario;
}

function resolveExplore(e: ExploreEntry, model: ModelName, issues: ScenarioIssue[]): ExploreConfig {
  const clients = e.clients.map((ops, c) =>
    ops.map((entry, i): Op => {
      const op = typeof entry === 'string' ? parseOpText(entry) : { f: entry.f, ...(entry.key !== undefined ? { key: entry.key } : {}), value: entry.value ?? null };
      if (!MODEL_OPS[model].includes(op.f)) issues.push({ path: ['explore', 'clients', c, i], message: `model ${model} has ops ${MODEL_OPS[model].join(', ')}, not ${op.f}` });
      return op;
    }),
  );
  return {
    depth: e.depth,
    maxStates: e.maxStates,
    strategy: e.strategy,
    pctDepth: e.pctDepth,
    crashes: e.crashes,
    drops: e.drops,
    duplicates: e.duplicates,
    reorders: e.reorders ?? Infinity,
    timeouts: e.timeouts ?? Infinity,
    partitions: e.partitions ?? Infinity,
    symmetry: e.symmetry,
    time: e.time,
    clients,
    ...(e.liveness !== undefined ? { liveness: { within: e.liveness.within } } : {}),
    ...(e.choices !== undefined ? { choices: e.choices } : {}),
  };
}

/** `write x 1` -> {f: write, key: x, value: 1}; `read x` -> value null; `cas x 1 2` -> value [1, 2]. */
function parseOpText(text: string): Op {
  const [f, key, ...rest] = text.trim().split(/\s+/);
  const values = rest.map((token) => {
    try {
      return JSON.parse(token) as unknown;
    } catch {
      return token;
    }
  });
  return { f: f!, key: key!, value: values.length === 0 ? null : values.length === 1 ? values[0] : values };
}

/** The operator commands a fault plan issues, each name once, in order of first use. */
export function commandNames(faults: readonly { readonly command?: string | undefined }[]): string[] {
  return [...new Set(faults.flatMap((f) => (f.command !== undefined ? [f.command] : [])))];
}

function baseName(file: string): string {
  const last = file.split(/[\\/]/).pop() ?? file;
  return last.replace(/\.ya?ml$/, '');
}

/**
 * Turns each entry into one action, plus its undo when `for:` is given; sorted by time (stable).
 * A triggered entry (`on:`) becomes one `trigger` action carrying both; a crash at a crash point
 * restarts `for` after the crash itself, whenever that comes.
 */
export function expandFaults(entries: readonly FaultEntry[]): FaultEvent[] {
  const events: FaultEvent[] = [];
  entries.forEach((entry, i) => {
    let action = toAction(entry, i);
    let undo = entry.for !== undefined ? undoOf(action) : undefined;
    if (action.kind === 'crash' && action.point !== undefined && entry.for !== undefined) {
      action = { ...action, restartAfterUs: entry.for };
      undo = undefined;
    }
    if (entry.on !== undefined) {
      const minUs = entry.after ?? 0;
      const maxUs = entry.within ?? minUs;
      action = {
        kind: 'trigger',
        on: entry.on,
        delay: { minUs, maxUs },
        times: entry.times ?? 1,
        action,
        ...(undo !== undefined ? { undo: { afterUs: entry.for!, action: undo } } : {}),
      };
      undo = undefined;
    }
    events.push({ atUs: entry.at, action });
    if (undo !== undefined) events.push({ atUs: entry.at + entry.for!, action: undo });
  });
  return events
    .map((event, order) => ({ event, order }))
    .sort((a, b) => a.event.atUs - b.event.atUs || a.order - b.order)
    .map(({ event }) => event);
}

function toAction(f: FaultEntry, index: number): FaultAction {
  if (f.partition !== undefined) {
    return { kind: 'partition', partition: toPartition(f), name: f.name ?? `p${index + 1}` };
  }
  if (f.heal !== undefined) return f.heal === 'all' ? { kind: 'heal' } : { kind: 'heal', name: f.heal };
  if (f.crash !== undefined) {
    return {
      kind: 'crash',
      target: f.crash,
      ...(f.for !== undefined ? { remember: `fault${index + 1}` } : {}),
      ...(f.point !== undefined ? { point: f.point } : {}),
      ...(f.wipe === true ? { wipe: true } : {}),
    };
  }
  if (f.restart !== undefined) return { kind: 'restart', target: f.restart };
  if (f.pause !== undefined) return { kind: 'pause', target: f.pause, ...(f.for !== undefined ? { remember: `fault${index + 1}` } : {}) };
  if (f.resume !== undefined) return { kind: 'resume', target: f.resume };
  if (f.start !== undefined) return { kind: 'start', target: f.start };
  if (f.skew !== undefined) {
    return {
      kind: 'clock',
      target: f.skew,
      ...(f.offset !== undefined ? { offsetUs: f.offset } : {}),
      ...(f.drift !== undefined ? { drift: f.drift } : {}),
      ...(f.resolution !== undefined ? { resolutionUs: f.resolution } : {}),
    };
  }
  if (f.command !== undefined) return { kind: 'command', target: f.target!, name: f.command, args: f.args ?? {} };
  if (f.network !== undefined) {
    const { reorderDelay, ...rest } = f.network;
    return { kind: 'network', change: { ...rest, ...(reorderDelay !== undefined ? { reorderMinUs: reorderDelay.minUs, reorderDelayUs: reorderDelay.maxUs } : {}) } };
  }
  if (f.slow !== undefined) return { kind: 'slow', target: f.slow, ...(f.to !== undefined ? { to: f.to } : {}), delayUs: f.delay!, remember: `slow${index + 1}` };
  if (f.disk !== undefined) return { kind: 'disk', target: f.disk, unsyncedUs: f.unsynced ?? 0, ...(f.for !== undefined ? { remember: `fault${index + 1}` } : {}) };
  throw new Error('unreachable: the schema requires one action');
}

function toPartition(f: FaultEntry): PartitionRequest {
  switch (f.partition!) {
    case 'isolate':
      return { kind: 'isolate', target: f.target! };
    case 'split':
      return { kind: 'split', groups: f.groups! };
    case 'majority-minority':
      return f.minorityWith !== undefined ? { kind: 'majority-minority', minorityWith: f.minorityWith } : { kind: 'majority-minority' };
    case 'one-way':
      return { kind: 'one-way', from: f.from!, to: f.to! };
    case 'bridge':
      return { kind: 'bridge', bridge: f.bridge!, ...(f.left ? { left: f.left } : {}), ...(f.right ? { right: f.right } : {}) };
  }
}

/** The action that ends a fault after `for:`. The same node comes back even if "leader" names
 * someone else by then: the crash or pause remembers whom it hit. */
function undoOf(action: FaultAction): FaultAction | undefined {
  switch (action.kind) {
    case 'partition':
      return { kind: 'heal', ...(action.name !== undefined ? { name: action.name } : {}) };
    case 'crash':
      return { kind: 'restart', target: `@${action.remember}` };
    case 'pause':
      return { kind: 'resume', target: `@${action.remember}` };
    case 'network':
      return { kind: 'network', change: 'reset' };
    case 'disk':
      return { kind: 'disk', target: `@${action.remember}`, unsyncedUs: 0 };
    case 'slow':
      return { kind: 'unslow', name: action.remember };
    default:
      return undefined;
  }
}
