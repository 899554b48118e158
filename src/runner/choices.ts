/**
 * A run driven by explicit choices instead of the seed: the kernel's nondeterminism made into
 * decisions a driver takes one at a time — which pending message, request or reply is delivered
 * next, which armed timer fires next, whether a pending message is lost or duplicated, whether a
 * node crashes (and restarts at once from its durable state), which scripted client invokes its
 * next op, and at which node. `dsim explore` enumerates the choices; a recorded choice log
 * (`explore.choices` in a scenario file) replays them, through the ordinary kernel, handlers,
 * invariants and trace hash.
 *
 * Time: a delivery happens at the current virtual time (network delays are not choices); a timer
 * fires at its deadline, or now if that has passed (a timer chosen after a later one fires late).
 * So time moves only when a timer fires, and interleavings of the same deliveries between the
 * same timers reach the same times.
 *
 * Reordering: with `explore.reorders` absent, any pending message may be delivered next. With
 * `reorders: N`, each link (sender to receiver) is FIFO except that at most N messages on a path
 * are overtaken by a later message on their link (a message delivered while older ones on its link
 * wait overtakes them; each overtaken message counts once, however many pass it): delay bounding
 * (Emmi, Qadeer and Rakamaric, POPL 2011) with a delay being one message held back past later ones.
 */
import type { NodeId } from '../core/ids.js';
import type { ClientRequest, OpResult } from '../core/ops.js';
import type { AnyProtocol } from '../core/protocol.js';
import { isFatal } from '../kernel/findings.js';
import { EventKind, type SimEvent } from '../kernel/queue.js';
import { Simulation, messageType } from '../kernel/simulation.js';
import { Network, type NetworkConfig } from '../network/network.js';
import { Rng } from '../rng/index.js';
import { ScenarioError, type ExploreConfig, type Scenario } from '../scenario/resolve.js';
import type { TraceSink } from '../trace/events.js';
import { ScriptedClients } from '../workload/scripted.js';
import { ISOLATION_CHECKS, checkHealth, checkSearchSteps, operationsOf, runCheck, type CheckInput, type CheckResult } from './checks.js';
import { judgeExpectation, prepareProtocol } from './prepare.js';
import { identity } from './identity.js';
import type { RunOptions, RunResult } from './run.js';

export type ChoiceKind = 'invoke' | 'deliver' | 'timer' | 'crash' | 'drop' | 'duplicate' | 'faults-stop' | 'resend';

/**
 * The choice that ends faults on a path (explore.liveness): from it on, no crash, drop,
 * duplicate or new invocation is enabled, timers are not bounded and fire at their deadlines, and
 * a client may resend its open op (`resend cN`, as a client that timed out). What follows it in a
 * choice log is a fair continuation, and the run is judged by its liveness promise at the end.
 */
export const FAULTS_STOP = 'faults stop';

/** One decision the driver can take now. `label` names it in a choice log. */
export interface Choice {
  readonly kind: ChoiceKind;
  readonly label: string;
  /** The pending event it concerns (deliver, timer, drop, duplicate). */
  readonly event?: SimEvent;
  /** The node it concerns (crash), or the node asked (invoke). */
  readonly node?: NodeId;
  /** The client (invoke). */
  readonly client?: string;
}

/** Choices of each bounded kind taken so far on this path. */
export interface ChoiceCounts {
  crashes: number;
  drops: number;
  duplicates: number;
  timeouts: number;
  /** Messages overtaken by a later message on their link (bounded by `explore.reorders`). */
  reorders: number;
}

/** The network of an explored run: no loss, duplication or delay of its own; those are choices. */
const EXPLORE_NETWORK: NetworkConfig = {
  latency: { dist: 'constant', valueUs: 1 },
  loss: 0,
  duplicate: 0,
  reorder: 0,
  reorderDelayUs: 0,
  fifo: false,
  inFlightOnCut: 'deliver',
  lossyClientLinks: false,
};

/** Checks that judge a run at any point, from its invariants, findings and history so far. */
const PREFIX_CHECKS = new Set(['health', 'invariants', 'linearizable', ...ISOLATION_CHECKS]);

/** Whether exploration can judge this check (the others need a quiet end: convergence, liveness, ...). */
export function judgedWhileExploring(protocol: AnyProtocol, name: string): boolean {
  return PREFIX_CHECKS.has(name) || (protocol.invariants ?? []).some((inv) => inv.name === name);
}

export class ChoiceWorld {
  readonly sim: Simulation;
  readonly clients: ScriptedClients;
  readonly protocol: AnyProtocol;
  readonly nodeIds: readonly NodeId[];
  readonly bounds: ExploreConfig;
  readonly used: ChoiceCounts = { crashes: 0, drops: 0, duplicates: 0, timeouts: 0, reorders: 0 };
  /** Ids of pending messages already overtaken on their link (tracked when reorders are bounded). */
  private readonly overtaken = new Set<number>();
  /** Choices taken. */
  depth = 0;
  /** The choices taken before `faults stop`, once it was taken (explore.liveness). */
  faultsStoppedAt: number | undefined;

  constructor(
    readonly scenario: Scenario,
    options: { readonly trace?: TraceSink; readonly protocol?: AnyProtocol } = {},
  ) {
    const bounds = scenario.explore;
    if (bounds === undefined) throw new ScenarioError(scenario.file, [{ path: ['explore'], message: 'exploration needs an explore: section (bounds and the clients\' ops)' }]);
    this.bounds = bounds;
    this.protocol = options.protocol ?? prepareProtocol(scenario);
    const seed = String(scenario.seed);
    const root = Rng.root(seed);
    this.nodeIds = Array.from({ length: scenario.nodes }, (_, i) => `n${i + 1}`);
    const ids = this.nodeIds;
    const network = new Network(EXPLORE_NETWORK, ids.length, root.fork('network'), (i) => ids[i] ?? `c${i - ids.length + 1}`);
    this.sim = new Simulation({
      seed,
      rng: root,
      protocol: this.protocol,
      nodeIds: ids,
      members: ids,
      network,
      ...(options.trace !== undefined ? { trace: options.trace } : {}),
    });
    this.clients = new ScriptedClients(this.sim, bounds.clients, ids);
    this.sim.start();
  }

  /** Whether a fatal finding or an invariant violation ended the path. */
  get failed(): boolean {
    return this.sim.findings.length > 0;
  }

  /** Whether the run cannot go on: it stopped, or a fatal finding ended it. */
  get halted(): boolean {
    return this.sim.isStopped || this.sim.findings.some((f) => isFatal(f.kind));
  }

  /** The choices enabled now, in a fixed order (so a search is deterministic). */
  choices(): Choice[] {
    const out: Choice[] = [];
    if (this.halted) return out;
    const fair = this.faultsStoppedAt !== undefined;
    const up = this.nodeIds.filter((id) => this.sim.nodeStatus(id) === 'up');
    if (!fair) for (const client of this.clients.ready()) for (const node of up) out.push({ kind: 'invoke', label: `invoke ${client} at ${node}`, client, node });
    const pending = [...this.sim.choosable()].sort((a, b) => a.kind - b.kind || a.target - b.target || a.id - b.id || a.source - b.source);
    const messages: SimEvent[] = [];
    const seen = new Set<string>();
    for (const ev of pending) {
      switch (ev.kind) {
        case EventKind.Message:
        case EventKind.Request:
        case EventKind.Reply: {
          // Two copies of one message (a duplicate) are one choice: either is the same delivery.
          const what = this.describe(ev);
          if (seen.has(what)) continue;
          seen.add(what);
          messages.push(ev);
          if (this.bounds.reorders !== Infinity && this.used.reorders + this.passedBy(ev, pending) > this.bounds.reorders) continue;
          out.push({ kind: 'deliver', label: `deliver ${what}`, event: ev });
          break;
        }
        case EventKind.Timer:
          if (fair || this.used.timeouts < this.bounds.timeouts) out.push({ kind: 'timer', label: `timer ${this.nodeIds[ev.target]} ${String(ev.payload)}`, event: ev });
          break;
        case EventKind.Call:
          break; // scenario callbacks: an explored run schedules none
      }
    }
    if (fair) {
      for (const client of this.clients.awaiting()) out.push({ kind: 'resend', label: `resend ${client}`, client });
      return out;
    }
    if (this.used.crashes < this.bounds.crashes) for (const node of up) out.push({ kind: 'crash', label: `crash ${node}`, node });
    if (this.used.drops < this.bounds.drops) for (const ev of messages) out.push({ kind: 'drop', label: `drop ${this.describe(ev)}`, event: ev });
    if (this.used.duplicates < this.bounds.duplicates) for (const ev of messages) if (ev.kind === EventKind.Message) out.push({ kind: 'duplicate', label: `duplicate ${this.describe(ev)}`, event: ev });
    return out;
  }

  /** Delivers the pending message, request or reply `ev` now: its `deliver` choice, without building the choice. */
  deliver(ev: SimEvent): void {
    if (this.halted) throw new Error('deliver: the run is over');
    this.depth++;
    if (this.bounds.reorders !== Infinity) this.overtake(ev);
    this.sim.fire(ev, this.sim.now);
  }

  /** Whether the pending message `ev` was overtaken by a later one on its link (reorders bounded). */
  isOvertaken(ev: SimEvent): boolean {
    return this.overtaken.has(ev.id);
  }

  /** How many messages delivering `ev` now would newly overtake: older ones on its link not yet overtaken. */
  passedBy(ev: SimEvent, pending: readonly SimEvent[] = this.sim.choosable()): number {
    let count = 0;
    for (const other of pending) if (sameLink(other, ev) && other.id < ev.id && !this.overtaken.has(other.id)) count++;
    return count;
  }

  /** Marks the messages that `ev`, delivered now, overtakes, and counts them against the bound. */
  private overtake(ev: SimEvent): void {
    this.overtaken.delete(ev.id);
    for (const other of this.sim.choosable()) {
      if (!sameLink(other, ev) || other.id >= ev.id || this.overtaken.has(other.id)) continue;
      this.overtaken.add(other.id);
      this.used.reorders++;
    }
  }

  /** Takes one choice (from `choices()` of this very state). */
  apply(choice: Choice): void {
    const sim = this.sim;
    if (choice.kind !== 'deliver') this.depth++;
    switch (choice.kind) {
      case 'invoke':
        this.clients.invoke(choice.client!, choice.node!);
        return;
      case 'deliver':
        this.deliver(choice.event!);
        return;
      case 'timer':
        this.used.timeouts++;
        // Frozen time: the timer fires now, whatever its deadline (timers are pure choices). After
        // the faults stop, time is real again: a fair continuation fires timers at their deadlines.
        sim.fire(choice.event!, this.bounds.time === 'frozen' && this.faultsStoppedAt === undefined ? sim.now : Math.max(sim.now, sim.timerDueUs(choice.event!)));
        return;
      case 'faults-stop':
        this.faultsStoppedAt = this.depth - 1;
        return;
      case 'resend':
        this.clients.resend(choice.client!);
        return;
      case 'crash':
        this.used.crashes++;
        sim.crash(choice.node!);
        sim.restart(choice.node!);
        return;
      case 'drop':
        this.used.drops++;
        this.overtaken.delete(choice.event!.id);
        sim.discard(choice.event!);
        return;
      case 'duplicate':
        this.used.duplicates++;
        sim.duplicate(choice.event!);
        return;
    }
  }

  /** The enabled choice a log line names, if any (`faults stop` is enabled until taken, never listed: a search does not branch on it). */
  find(label: string): Choice | undefined {
    if (label === FAULTS_STOP) return this.faultsStoppedAt === undefined && !this.halted ? { kind: 'faults-stop', label } : undefined;
    return this.choices().find((c) => c.label === label);
  }

  private checkInput(): CheckInput {
    const history = this.clients.history;
    return {
      protocol: this.protocol,
      history,
      ops: operationsOf(history),
      nodes: this.sim.nodes,
      findings: this.sim.findings,
      model: this.scenario.model,
      healed: false,
      finalReadFromUs: Infinity,
      searchSteps: checkSearchSteps(this.scenario.limits.events),
    };
  }

  /**
   * The scenario's checks that exploration judges, on the run so far (invariants were checked
   * after every step; history checks judge the history so far, open ops as indeterminate).
   */
  judge(names: readonly string[]): CheckResult[] {
    const input = this.checkInput();
    return names.map((name) =>
      name === 'health'
        ? checkHealth(this.sim.findings)
        : judgedWhileExploring(this.protocol, name)
          ? runCheck(name, input)
          : { name, verdict: 'unknown' as const, detail: 'not judged in exploration: it needs a quiet end (explored paths stop mid-run)' },
    );
  }

  /**
   * The liveness promise a fair continuation must reach (explore.liveness), judged now: every op a
   * client invoked has its answer (ok, fail or info), and the scenario's convergence checks
   * (`converged`, a protocol's own history-free checks such as Raft's voters-converged) pass as
   * after a heal. Undefined when it holds, else what is missing.
   */
  livenessMissing(): string | undefined {
    const open = this.clients.openOps();
    const missing: string[] = open.map((o) => `${o.client}'s ${o.f}${o.key !== undefined ? ` ${o.key}` : ''} (asked ${o.node}) is not answered`);
    const input = { ...this.checkInput(), healed: true };
    for (const name of convergenceChecks(this.scenario, this.protocol)) {
      const result = runCheck(name, input);
      if (result.verdict !== 'pass') missing.push(`${name}: ${result.detail}`);
    }
    return missing.length === 0 ? undefined : missing.join('; ');
  }

  /** `from>to type #id` for a pending message, request or reply. */
  describe(ev: SimEvent): string {
    const sim = this.sim;
    const from = sim.endpointName(ev.source);
    const to = sim.endpointName(ev.target);
    const type =
      ev.kind === EventKind.Message ? messageType(ev.payload) : ev.kind === EventKind.Request ? (ev.payload as ClientRequest).op.f : `reply:${(ev.payload as { result: OpResult }).result.type}`;
    return `${from}>${to} ${type} #${ev.id}`;
  }
}

/**
 * The scenario's checks a fair continuation must make pass (explore.liveness): convergence of
 * the nodes' final states, generic or the protocol's own (history-free) — judged as after a heal.
 */
export function convergenceChecks(scenario: Scenario, protocol: AnyProtocol): string[] {
  return scenario.checks.filter((name) => name === 'converged' || (protocol.checks ?? []).some((c) => c.name === name && c.historyFree === true));
}

/** Whether two pending events are messages (requests, replies) on one link: same sender, same receiver. */
function sameLink(a: SimEvent, b: SimEvent): boolean {
  return a.source === b.source && a.target === b.target && a.kind === b.kind && a.kind !== EventKind.Timer && a.kind !== EventKind.Call;
}

/**
 * A choice log with `faults stop` in it ends with a fair continuation: the run is judged by the
 * liveness promise at its end (what `dsim explore` with explore.liveness found missing there).
 */
function judgeFairEnd(world: ChoiceWorld): CheckResult {
  const fairSteps = world.depth - world.faultsStoppedAt! - 1;
  const within = world.bounds.liveness?.within;
  const bound = `${fairSteps} fair step${fairSteps === 1 ? '' : 's'} after the last fault${within !== undefined ? ` (explore.liveness.within: ${within})` : ''}`;
  if (world.halted) return { name: 'liveness', verdict: 'unknown', detail: `not judged: a finding ended the run ${bound}` };
  const missing = world.livenessMissing();
  if (missing === undefined) return { name: 'liveness', verdict: 'pass', detail: `every invoked op answered within ${bound}` };
  const idle = world.choices().every((c) => c.kind === 'resend');
  return { name: 'liveness', verdict: 'fail', detail: `${idle ? 'nothing left to happen' : 'not reached'} within ${bound}: ${missing}` };
}

/** The checks an explored run is judged by: the scenario's, those exploration can judge, health first. */
export function exploredChecks(scenario: Scenario, protocol: AnyProtocol): string[] {
  return ['health', ...scenario.checks.filter((name) => name !== 'health' && judgedWhileExploring(protocol, name))];
}

/**
 * Replays a scenario's recorded choice log (`explore.choices`) through the kernel and judges the
 * run as `runScenario` does. A choice that is not enabled when its turn comes (the code changed
 * since it was recorded) is bad input, named by its position.
 */
export function runChoiceLog(scenario: Scenario, options: RunOptions = {}): RunResult {
  const choices = scenario.explore?.choices ?? [];
  const world = new ChoiceWorld(scenario, options.trace !== undefined ? { trace: options.trace } : {});
  options.onProgress?.('simulate', 0);
  choices.forEach((label, i) => {
    if (world.failed && world.sim.findings.some((f) => isFatal(f.kind))) return;
    const choice = world.find(label);
    if (choice === undefined) {
      const enabled = world.choices().map((c) => c.label);
      throw new ScenarioError(scenario.file, [
        { path: ['explore', 'choices', i], message: `choice ${JSON.stringify(label)} is not enabled at step ${i + 1} (the code may have changed since it was recorded); enabled: ${enabled.slice(0, 12).join('; ')}${enabled.length > 12 ? '; ...' : ''}` },
      ]);
    }
    world.apply(choice);
  });
  options.onProgress?.('check', world.sim.events);
  const sim = world.sim;
  const checks = world.judge(exploredChecks(scenario, world.protocol));
  if (world.faultsStoppedAt !== undefined) checks.push(judgeFairEnd(world));
  const history = world.clients.history;
  const ops = { invoked: 0, ok: 0, fail: 0, info: 0, shed: 0, redirects: 0, resent: 0, deposed: 0 };
  for (const e of history) {
    if (e.type === 'invoke') ops.invoked++;
    else ops[e.type]++;
  }
  return {
    ...identity(scenario, String(scenario.seed)),
    traceHash: sim.traceHash,
    events: sim.events,
    virtualTimeUs: sim.now,
    faults: [],
    ops,
    latency: {},
    messages: sim.settleStats(),
    findings: sim.findings,
    checks,
    expected: scenario.expect,
    expectation: judgeExpectation(scenario.expect, checks),
    history,
  };
}
