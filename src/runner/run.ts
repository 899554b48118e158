/**
 * Runs one scenario: builds the cluster, network, clients and fault schedule from the seed, drives
 * the kernel through the phases (main, heal, final reads, quiet end), then judges the run.
 */
import type { HistoryEvent } from '../core/history.js';
import type { AnyProtocol, NodeView } from '../core/protocol.js';
import { UNFINISHED_TRACE_HASH, isFatal, type Finding, type UnfinishedCall } from '../kernel/findings.js';
import { Simulation, emptySimStats, type SimStats, type StepObserver } from '../kernel/simulation.js';
import { Network } from '../network/network.js';
import { Rng } from '../rng/index.js';
import type { Scenario } from '../scenario/resolve.js';
import type { TraceSink } from '../trace/events.js';
import { Workload, type WorkloadStats } from '../workload/clients.js';
import { OpGenerator } from '../workload/generators.js';
import { ISOLATION_CHECKS, checkSearchSteps, operationsOf, runCheck, checkHealth, type CheckResult } from './checks.js';
import { runChoiceLog } from './choices.js';
import { identity } from './identity.js';
import { judgeExpectation, prepareProtocol, type Expectation } from './prepare.js';

export { judgeExpectation, prepareProtocol, type Expectation } from './prepare.js';
import { FaultInjector, type AppliedFault } from './faults.js';
import { HISTORY_FREE_CHECKS, StreamedChecks } from './stream.js';
import { GroupsRecorder, groupDirectory, isGroupsProtocol } from './groups.js';
import { callMarks } from './marks.js';
import { CallKind, type CallWatch } from '../kernel/watch.js';

export interface RunOptions {
  /** Overrides the scenario's seed. */
  readonly seed?: number | string;
  /** Receives every trace event (for --trace, HTML reports, determinism checks). */
  readonly trace?: TraceSink;
  /**
   * Watches the run: gets the protocol and the nodes' views (current when called), returns an
   * observer of the protocol moments the kernel reports (coverage feedback in `dsim fuzz`). Must
   * not influence the run.
   */
  readonly watch?: (watched: { readonly protocol: AnyProtocol; readonly nodes: () => readonly NodeView<unknown>[] }) => StepObserver;
  /** Heartbeat while simulating (see SimulationOptions.onProgress); `phase` says what runs. */
  readonly onProgress?: (phase: 'simulate' | 'check', events: number) => void;
  /**
   * Stream the history instead of keeping it (long runs in bounded memory): every event goes to
   * `onEvent` (to write it out) and to checks that judge it as it comes (runner/stream.ts);
   * `history` in the result is empty. `onStatus` hears how far the run got, every few thousand events.
   */
  readonly stream?: { readonly onEvent?: (event: HistoryEvent) => void; readonly onStatus?: (status: RunStatus) => void };
  /** Cells a watchdog reads to judge each protocol call (see kernel/watch.ts). */
  readonly callWatch?: CallWatch;
}

/** How far a streamed run got: for progress lines. */
export interface RunStatus {
  readonly virtualTimeUs: number;
  readonly endUs: number;
  readonly events: number;
  readonly historyEvents: number;
}

import type { LatencySummary } from '../workload/latency.js';
export type { LatencySummary };

export interface RunGroup {
  readonly name: string;
  readonly protocol: string;
  readonly nodes: readonly string[];
  readonly options: unknown;
  readonly flaws: readonly string[];
}

export interface RunResult {
  readonly scenario: string;
  readonly file: string;
  readonly protocol: string;
  readonly options: unknown;
  readonly flaws: readonly string[];
  readonly seed: string;
  readonly nodes: number;
  /** Multi-group scenarios: each group's protocol and nodes (global ids), in node order. */
  readonly groups?: readonly RunGroup[];
  readonly traceHash: string;
  readonly events: number;
  readonly virtualTimeUs: number;
  readonly faults: readonly AppliedFault[];
  readonly ops: WorkloadStats;
  readonly latency: Readonly<Record<string, LatencySummary>>;
  readonly messages: SimStats;
  readonly findings: readonly Finding[];
  readonly checks: readonly CheckResult[];
  readonly expected: Scenario['expect'];
  /** Whether the scenario's `expect` held: every check as expected. */
  readonly expectation: Expectation;
  readonly history: readonly HistoryEvent[];
  /** The client behind each history process (a client takes a new process after an indeterminate op). */
  readonly processClients?: Readonly<Record<number, string>>;
  /** When the final reads began (µs), or undefined without a heal phase. */
  readonly finalReadFromUs?: number;
}

/** Runs a scenario to the end and judges it. Throws ScenarioError for unknown check names. */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunResult {
  // A recorded choice log (an exploration's counterexample) replays as decisions, not by seed.
  if (scenario.explore?.choices !== undefined) return runChoiceLog(scenario, options);
  const seed = String(options.seed ?? scenario.seed);
  const root = Rng.root(seed);
  const marks = callMarks(options.callWatch);
  const protocol = marks.call(CallKind.load, -1, `${scenario.protocol.name} create()`, () => prepareProtocol(scenario));

  const total = scenario.nodes + scenario.spares;
  const nodeIds = Array.from({ length: total }, (_, i) => `n${i + 1}`);
  const members = nodeIds.slice(0, scenario.nodes);
  const names = [...nodeIds];
  const network = new Network(scenario.network, total, root.fork('network'), (i) => names[i] ?? `c${i - total + 1}`);
  const sim = new Simulation({
    seed,
    rng: root,
    protocol,
    nodeIds,
    members,
    network,
    limits: {
      ...(scenario.limits.events !== undefined ? { maxEvents: scenario.limits.events } : {}),
      ...(scenario.limits.queue !== undefined ? { maxQueue: scenario.limits.queue } : {}),
    },
    ...(options.trace !== undefined ? { trace: options.trace } : {}),
    ...(options.onProgress !== undefined || options.stream?.onStatus !== undefined ? { onProgress: (events: number) => progress(events) } : {}),
    ...(options.callWatch !== undefined ? { callWatch: options.callWatch } : {}),
  });
  if (options.watch !== undefined) sim.watch(options.watch({ protocol, nodes: () => sim.nodes }));
  const progress = (events: number): void => {
    options.onProgress?.('simulate', events);
    options.stream?.onStatus?.({ virtualTimeUs: sim.now, endUs, events, historyEvents: streamed?.events ?? 0 });
  };

  const w = scenario.workload;
  const generator = new OpGenerator({ model: scenario.model, keys: w.keys, keyDistribution: w.keyDistribution, mix: w.mix, maxTxnOps: w.maxTxnOps });
  // Clients may address every node that has booted: spares become targets once started.
  const served = scenario.groups?.find((g) => g.name === scenario.service)?.nodes ?? nodeIds;
  const targets = (): string[] => served.filter((id) => sim.nodeStatus(id) !== 'stopped');
  const workload = new Workload(w, sim, generator, root.fork('workload'), targets, scenario.groups === undefined ? members : served);
  const injector = new FaultInjector(sim, root.fork('faults'), nodeIds, groupDirectory(scenario));
  if (isGroupsProtocol(protocol)) protocol.attach(new GroupsRecorder(sim, workload));
  const heal = scenario.heal;
  const finalReadFromUs = heal === false ? undefined : scenario.durationUs + Math.floor(heal.quiesceUs / 2);
  const endUs = heal === false ? scenario.durationUs : scenario.durationUs + heal.quiesceUs;
  const stream = options.stream;
  const streamed = stream === undefined ? undefined : new StreamedChecks({ model: scenario.model, checks: scenario.checks, finalReadFromUs: finalReadFromUs ?? Infinity, healed: heal !== false });
  if (stream !== undefined) {
    const onEvent = stream.onEvent;
    workload.streamTo(onEvent === undefined ? (e) => streamed!.push(e) : (e) => (onEvent(e), streamed!.push(e)));
  }

  // The first heartbeat comes before any node boots, so a watchdog also sees a loop inside init.
  options.onProgress?.('simulate', 0);
  sim.start();
  workload.start(w.untilUs);
  for (const fault of scenario.faults) sim.at(fault.atUs, () => injector.apply(fault.action));

  if (heal !== false) {
    sim.at(scenario.durationUs, () => injector.healAll(heal.restart));
    if (w.finalReads) {
      sim.at(finalReadFromUs!, () => {
        sim.traceEvent({ kind: 'phase', phase: 'final-reads' });
        const opening = w.finalWrite ? generator.finalWrite() : undefined;
        workload.finalReads(generator.finalReads(opening), endUs, opening);
      });
    }
  }
  sim.run(endUs);
  options.onProgress?.('check', sim.events);

  const history = workload.history;
  const ops = streamed === undefined ? operationsOf(history) : [];
  const streamedVerdicts = streamed?.finish();
  const clients = Object.fromEntries(workload.processClients);
  const input = {
    protocol,
    history,
    ops,
    clientOf: (process: number): string => clients[process] ?? `p${process}`,
    nodes: sim.nodes,
    findings: sim.findings,
    model: scenario.model,
    healed: heal !== false,
    finalReadFromUs: finalReadFromUs ?? Infinity,
    searchSteps: checkSearchSteps(scenario.limits.events),
    marks,
  };
  // A fatal finding stops the run early: checks of the end state have no end state to judge.
  const stoppedAtUs = sim.findings.some((f) => isFatal(f.kind)) ? sim.now : undefined;
  const checks = [
    checkHealth(sim.findings),
    ...scenario.checks
      .filter((n) => n !== 'health')
      .map((name) =>
        stoppedAtUs !== undefined && !HISTORY_PREFIX_CHECKS.has(name) && !isInvariantName(protocol, name)
          ? { name, verdict: 'unknown' as const, detail: `not judged: the run stopped at ${stoppedAtUs}µs on a fatal finding (see health)` }
          : streamedVerdicts !== undefined && !HISTORY_FREE_CHECKS.has(name) && !isInvariantName(protocol, name) && !isHistoryFreeCheck(protocol, name)
            ? { name, ...(streamedVerdicts.get(name) ?? { verdict: 'unknown' as const, detail: 'not judged in a streamed run: it needs the whole history' }) }
            : marks.call(CallKind.check, -1, name, () => runCheck(name, input)),
      ),
  ];

  return {
    ...identity(scenario, seed),
    traceHash: sim.traceHash,
    events: sim.events,
    virtualTimeUs: sim.now,
    faults: injector.applied,
    ops: { ...workload.stats },
    latency: workload.latencies.summary(),
    processClients: clients,
    messages: sim.settleStats(),
    findings: sim.findings,
    checks,
    expected: scenario.expect,
    expectation: judgeExpectation(scenario.expect, checks),
    history,
    ...(finalReadFromUs !== undefined ? { finalReadFromUs } : {}),
  };
}

/**
 * The result of a run a watchdog had to stop (a call never returned, the memory limit, a thread
 * that ended itself): no events, no history, one finding naming the call, and a failed health
 * check naming how to replay it.
 */
export function unfinishedRun(scenario: Scenario, options: { readonly seed: string; readonly stop: UnfinishedCall; readonly replay: string }): RunResult {
  const { stop } = options;
  const message = `${stop.message}; replay: ${options.replay}`;
  const finding: Finding = {
    kind: stop.kind,
    message,
    timeUs: stop.timeUs,
    eventIndex: stop.eventIndex,
    seed: options.seed,
    ...(stop.node !== undefined ? { node: stop.node } : {}),
    ...(stop.event !== undefined ? { event: stop.event } : {}),
  };
  return {
    ...identity(scenario, options.seed),
    traceHash: UNFINISHED_TRACE_HASH,
    events: 0,
    virtualTimeUs: 0,
    faults: [],
    ops: { invoked: 0, ok: 0, fail: 0, info: 0, shed: 0, redirects: 0, resent: 0, deposed: 0 },
    latency: {},
    messages: emptySimStats(),
    findings: [finding],
    checks: [{ ...checkHealth([finding]), detail: `${stop.kind}: ${message}` }],
    expected: scenario.expect,
    // A wall-clock limit leaves the run undecided; a hang, running out of memory or exiting is the protocol's doing.
    expectation: stop.kind === 'wall-limit' ? 'inconclusive' : 'broken',
    history: [],
  };
}

/** Checks that judge whatever history there is, so they still apply to a run that stopped early. */
const HISTORY_PREFIX_CHECKS = new Set(['linearizable', 'invariants', ...ISOLATION_CHECKS]);

function isInvariantName(protocol: AnyProtocol, name: string): boolean {
  return (protocol.invariants ?? []).some((inv) => inv.name === name);
}

/** A protocol check that judges only the final node states: a streamed run judges it too. */
function isHistoryFreeCheck(protocol: AnyProtocol, name: string): boolean {
  return (protocol.checks ?? []).some((c) => c.name === name && c.historyFree === true);
}

