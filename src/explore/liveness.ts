/**
 * Bounded liveness (explore.liveness): from an explored state, the faults stop and one canonical
 * fair continuation runs; within `within` steps it must reach the liveness promise (every invoked
 * op answered, the scenario's convergence checks passing: ChoiceWorld.livenessMissing).
 *
 * The continuation, a deterministic function of the state:
 * 1. `faults stop`: no more crashes, drops, duplicates or partition changes, and the network heals
 *    (messages held across a cut or delayed are in flight like any other);
 * 2. while a message, request or reply is in flight, the oldest (lowest id) is delivered: every
 *    link in send order, every message arriving before any timer expires (message delays short
 *    against timeouts: the synchrony after GST that Raft's and Paxos's liveness arguments assume);
 * 3. when nothing is in flight (a quiet spell), each client whose op is still open resends it once
 *    (a client whose request timed out: same op and sequence number, to the node it last asked);
 * 4. then the armed timer with the earliest deadline fires (the lowest id among equal deadlines),
 *    time moving to its deadline; one step each.
 * It stops as soon as the promise holds; it fails when `within` steps pass without it, or when
 * nothing is left to happen (no message, no timer) and the promise does not hold.
 *
 * What this claims: a failure is a real fault-free, fair (every message delivered, every timer
 * fired) schedule after the path, of `within` steps, that does not reach the promise — a
 * counterexample to "eventually, within K steps, after the last fault". A pass says the
 * synchronous continuation reaches it, not every fair one: a protocol live only under some fair
 * schedules (no deterministic consensus is live under all of them, FLP) passes here as it should,
 * and one whose livelock needs an adversarial but fair order of timers is not found.
 */
import { EventKind, type SimEvent } from '../kernel/queue.js';
import { FAULTS_STOP, type Choice, type ChoiceWorld } from '../runner/choices.js';

export interface FairOutcome {
  /** Whether the promise was reached. */
  readonly held: boolean;
  /** Steps of the continuation taken (not counting `faults stop`). */
  readonly steps: number;
  /** When not held: what is missing, and why the continuation stopped. */
  readonly detail?: string;
  /** Whether a safety finding ended it (an invariant or a health failure on the way). */
  readonly unsafe?: boolean;
}

/**
 * Runs the canonical fair continuation on `world` (consumed) for at most `within` steps. With
 * `log`, the labels of its choices are appended (`faults stop` first), as a choice log replays them.
 */
export function continueFairly(world: ChoiceWorld, within: number, log?: string[]): FairOutcome {
  const stop = world.find(FAULTS_STOP);
  if (stop === undefined) return { held: true, steps: 0 }; // the run is over (a finding already judged it)
  take(world, stop, log);
  const resent = new Set<string>();
  // Findings the state already had were judged with it; a new one is a safety failure on the way.
  const findings = world.sim.findings.length;
  for (let steps = 0; ; steps++) {
    if (world.sim.findings.length > findings) return { held: false, steps, unsafe: true, detail: 'a safety check failed on the way' };
    const missing = world.livenessMissing();
    if (missing === undefined) return { held: true, steps };
    if (steps >= within) return { held: false, steps, detail: `not within ${within} fair steps after the last fault: ${missing}` };
    const next = nextFair(world, resent);
    if (next === undefined) return { held: false, steps, detail: `nothing left to happen ${steps} fair steps after the last fault: ${missing}` };
    if (next.kind === 'timer') resent.clear();
    if (next.kind === 'resend') resent.add(next.client!);
    take(world, next, log);
  }
}

/** The continuation's next choice: the oldest message in flight, else a resend, else the earliest timer. */
function nextFair(world: ChoiceWorld, resent: ReadonlySet<string>): Choice | undefined {
  const sim = world.sim;
  let message: SimEvent | undefined;
  let timer: SimEvent | undefined;
  let timerDue = Infinity;
  for (const ev of sim.choosable()) {
    switch (ev.kind) {
      case EventKind.Message:
      case EventKind.Request:
      case EventKind.Reply:
        if (message === undefined || ev.id < message.id) message = ev;
        break;
      case EventKind.Timer: {
        const due = sim.timerDueUs(ev);
        if (due < timerDue || (due === timerDue && ev.id < timer!.id)) {
          timer = ev;
          timerDue = due;
        }
        break;
      }
      case EventKind.Call:
        break;
    }
  }
  if (message !== undefined) return { kind: 'deliver', label: '', event: message };
  const client = world.clients.awaiting().find((name) => !resent.has(name));
  if (client !== undefined) return { kind: 'resend', label: `resend ${client}`, client };
  return timer === undefined ? undefined : { kind: 'timer', label: '', event: timer };
}

/**
 * Takes a choice; with a log, under the label `choices()` gives it (built only when logging: a
 * delivery is named by its message, as either copy of a duplicate is the same delivery).
 */
function take(world: ChoiceWorld, choice: Choice, log: string[] | undefined): void {
  if (log !== undefined) {
    const label = choice.label !== '' ? choice.label : choice.kind === 'deliver' ? `deliver ${world.describe(choice.event!)}` : world.choices().find((c) => c.event === choice.event)?.label;
    if (label === undefined) throw new Error(`fair continuation: ${choice.kind} is not among the enabled choices`);
    log.push(label);
  }
  world.apply(choice);
}
