/**
 * What one step of a search is. The search (search.ts) walks `Stepper`s: a run whose enabled steps
 * it can list and take, with the choice log of what it took (the replayable path).
 *
 * - `ChoiceStepper`: a step is one choice of runner/choices.ts (a delivery, a timer, a crash, ...).
 * - `QuiescentStepper` (strategy `partitions`): a step is a timer firing, a client invocation, a
 *   crash or a change of network partition, after which every message that can arrive (its two
 *   nodes on one side) is delivered, oldest first, until none can (quiescence). Messages across a
 *   cut wait, and arrive, oldest first, once a later partition joins their nodes. This is the
 *   network of a Jepsen partition nemesis with timeouts long against message delays: a coarser
 *   model whose every path is a path of the fine one (so a violation found is real and replays as
 *   a choice log), but not every fine path is one of its paths (two messages in flight to one node
 *   on connected links arrive in send order, unless a partition holds one back).
 *   Two more steps widen it, each bounded: `delay M` (with `explore.reorders`) holds the waiting
 *   message M back until nothing else can arrive, so later messages on its link overtake it; and
 *   `crash N after its next message` (with `explore.crashes`) crashes and restarts N right after it
 *   handles its next message, inside a later step's deliveries.
 */
import type { NodeId } from '../core/ids.js';
import { EventKind, type SimEvent } from '../kernel/queue.js';
import type { Choice, ChoiceWorld } from '../runner/choices.js';
import { footprint, type Footprint } from './independence.js';

export interface Step {
  readonly label: string;
}

export interface Stepper {
  readonly world: ChoiceWorld;
  /** The steps enabled now, in a fixed order. */
  steps(): readonly Step[];
  /** Takes `steps()[index]` of this very state. */
  take(index: number): void;
  /** The choices taken so far: the path as a choice log `dsim replay` runs. */
  readonly log: readonly string[];
  /** State beyond the run's own that the future depends on (hashed into the fingerprint), if any. */
  readonly extra: unknown;
  /** What each of `steps()` touches, when steps are single choices (for sleep sets). */
  footprints?(): Footprint[];
}

/** One step per choice. */
export class ChoiceStepper implements Stepper {
  readonly log: string[] = [];
  readonly extra = undefined;
  private enabled: Choice[] | undefined;

  constructor(readonly world: ChoiceWorld) {}

  steps(): readonly Choice[] {
    return (this.enabled ??= this.world.choices());
  }

  take(index: number): void {
    const choice = this.steps()[index]!;
    this.enabled = undefined;
    this.world.apply(choice);
    this.log.push(choice.label);
  }

  footprints(): Footprint[] {
    return this.steps().map((choice) => footprint(choice, this.world));
  }
}

/** Deliveries at most per quiescence: a protocol whose messages beget messages forever stops there. */
export const MAX_QUIESCE_DELIVERIES = 10_000;

/** Set partitions of n nodes this many or fewer are enumerated (Bell(5) = 52 per state). */
export const MAX_PARTITION_NODES = 5;

interface PartitionStep extends Step {
  /** The side of each node (by node index), or the choice the step takes. */
  readonly sides?: readonly number[];
  readonly choice?: Choice;
  /** A message held back until nothing else can arrive (`delay`). */
  readonly delay?: SimEvent;
  /** A node to crash (and restart) right after the next message it handles (`crash ... after`). */
  readonly crashAfter?: number;
}

export class QuiescentStepper implements Stepper {
  readonly log: string[] = [];
  /** The side of the partition each node is on (by node index); one side: healed. */
  private sides: readonly number[];
  private enabled: PartitionStep[] | undefined;
  /**
   * Whether the last step changed the partition and delivered nothing: then another partition
   * change now would only replace it (the same state is one change away from the state before).
   */
  private idlePartition = false;

  /** Partition changes taken. */
  private changes = 0;
  /** Ids of messages held back (delay steps) until nothing else can arrive. */
  private readonly delayed = new Set<number>();
  /** The node (index) that crashes right after the next message it handles, if one is armed. */
  private crashAfter: number | undefined;
  private readonly partitions: readonly (readonly number[])[];
  private readonly maxChanges: number;
  private readonly recording: boolean;

  constructor(
    readonly world: ChoiceWorld,
    options: {
      /** The set partitions a step may switch to (`setPartitions`), the healed network first. */
      readonly partitions: readonly (readonly number[])[];
      /** Partition changes on a path at most. */
      readonly maxChanges: number;
      /** Whether to keep the choice log (labels cost more than the steps; a search keeps it for a path it reports). */
      readonly recording: boolean;
    },
  ) {
    this.partitions = options.partitions;
    this.maxChanges = options.maxChanges;
    this.recording = options.recording;
    this.sides = this.partitions[0]!;
    this.quiesce();
  }

  get extra(): unknown {
    // As a set of sides, each a list of node ids (hashed as a set under symmetry).
    const ids = this.world.nodeIds;
    const groups = new Map<number, NodeId[]>();
    this.sides.forEach((side, i) => groups.set(side, [...(groups.get(side) ?? []), ids[i]!]));
    const sides = new Set(groups.values());
    // Quiescence delivers oldest first, so the order in which a node's messages wait is part of
    // its future (the fingerprint hashes messages in flight as a multiset, without that order).
    const waiting = new Map<number, SimEvent[]>();
    const delayed = new Set<unknown[]>();
    for (const ev of this.world.sim.choosable()) {
      if (ev.kind !== EventKind.Message) continue;
      waiting.set(ev.target, [...(waiting.get(ev.target) ?? []), ev]);
      if (this.delayed.has(ev.id)) delayed.add([ids[ev.source] ?? ev.source, ids[ev.target], ev.payload]);
    }
    const order: Record<string, unknown[]> = {};
    for (const [target, events] of waiting) if (events.length > 1) order[ids[target]!] = events.sort((a, b) => a.id - b.id).map((ev) => [ids[ev.source] ?? ev.source, ev.payload]);
    const held = { delayed, crashAfter: this.crashAfter === undefined ? null : ids[this.crashAfter]! };
    // The changes left bound the future only when there is a bound.
    return this.maxChanges === Infinity ? [sides, order, held] : [sides, order, held, this.changes];
  }

  steps(): readonly PartitionStep[] {
    if (this.enabled !== undefined) return this.enabled;
    const out: PartitionStep[] = [];
    const world = this.world;
    const choices = world.choices();
    if (choices.length === 0) return (this.enabled = out);
    // An armed crash holds one of the crashes still allowed.
    const crashesLeft = world.bounds.crashes - world.used.crashes - (this.crashAfter === undefined ? 0 : 1);
    for (const choice of choices) if (choice.kind === 'invoke' || choice.kind === 'timer' || (choice.kind === 'crash' && crashesLeft > 0)) out.push({ label: choice.label, choice });
    if (this.crashAfter === undefined && crashesLeft > 0) {
      world.nodeIds.forEach((id, i) => world.sim.nodeStatus(id) === 'up' && out.push({ label: `crash ${id} after its next message`, crashAfter: i }));
    }
    if (this.delaysLeft() > 0) {
      const waiting = world.sim.choosable().filter((ev) => ev.kind === EventKind.Message && !this.delayed.has(ev.id));
      for (const ev of waiting.sort((a, b) => a.target - b.target || a.id - b.id)) out.push({ label: `delay ${world.describe(ev)}`, delay: ev });
    }
    if (!this.idlePartition && this.changes < this.maxChanges) for (const sides of this.partitions) if (!sameSides(sides, this.sides)) out.push({ label: partitionLabel(sides, world.nodeIds), sides });
    return (this.enabled = out);
  }

  /**
   * Delay steps left: `explore.reorders` (none when absent) less the overtakings already counted
   * and those the messages held back may still cost (each is overtaken at most once).
   */
  private delaysLeft(): number {
    const world = this.world;
    if (world.bounds.reorders === Infinity) return 0;
    let owed = 0;
    for (const ev of world.sim.choosable()) if (this.delayed.has(ev.id) && !world.isOvertaken(ev)) owed++;
    return world.bounds.reorders - world.used.reorders - owed;
  }

  take(index: number): void {
    const step = this.steps()[index]!;
    this.enabled = undefined;
    const events = this.world.sim.events;
    if (step.sides !== undefined) {
      this.sides = step.sides;
      this.changes++;
    } else if (step.delay !== undefined) {
      this.delayed.add(step.delay.id);
    } else if (step.crashAfter !== undefined) {
      this.crashAfter = step.crashAfter;
    } else {
      this.world.apply(step.choice!);
      if (this.recording) this.log.push(step.choice!.label);
    }
    this.quiesce();
    this.idlePartition = step.sides !== undefined && this.world.sim.events === events;
  }

  /**
   * Delivers what can arrive, oldest first, until nothing can (or a fatal finding ended the run:
   * then nothing is enabled); a message held back (delay) arrives only when nothing else can. An
   * invariant violated on the way stays among the findings.
   */
  private quiesce(): void {
    const world = this.world;
    const nodes = world.nodeIds.length;
    for (let n = 0; n < MAX_QUIESCE_DELIVERIES; n++) {
      if (world.halted) return;
      let next: SimEvent | undefined;
      let held: SimEvent | undefined;
      for (const ev of world.sim.choosable()) {
        if (ev.kind !== EventKind.Message && ev.kind !== EventKind.Request && ev.kind !== EventKind.Reply) continue;
        const across = ev.kind === EventKind.Message && ev.source < nodes && ev.target < nodes && this.sides[ev.source] !== this.sides[ev.target];
        if (across) continue;
        if (this.delayed.has(ev.id)) {
          if (held === undefined || ev.id < held.id) held = ev;
        } else if (next === undefined || ev.id < next.id) next = ev;
      }
      next ??= held;
      if (next === undefined) return;
      this.delayed.delete(next.id);
      // The label only when the log is kept (building it costs more than the delivery).
      const choice = this.recording ? world.choices().find((c) => c.kind === 'deliver' && c.event === next) : undefined;
      world.deliver(next);
      if (choice !== undefined) this.log.push(choice.label);
      if (this.crashAfter !== undefined && next.target === this.crashAfter && next.kind !== EventKind.Reply && !world.halted) {
        const id = world.nodeIds[this.crashAfter]!;
        this.crashAfter = undefined;
        world.apply({ kind: 'crash', label: `crash ${id}`, node: id });
        if (this.recording) this.log.push(`crash ${id}`);
      }
    }
  }
}

/**
 * Every set partition of n nodes as the side of each node (restricted growth strings: node 0 on
 * side 0, each next node on a side already used or the next new one), the healed network first.
 */
export function setPartitions(n: number): number[][] {
  const out: number[][] = [];
  const grow = (prefix: number[], sides: number): void => {
    if (prefix.length === n) {
      out.push(prefix);
      return;
    }
    for (let side = 0; side <= sides; side++) grow([...prefix, side], Math.max(sides, side + 1));
  };
  grow([], 0);
  return out;
}

function sameSides(a: readonly number[], b: readonly number[]): boolean {
  return a.every((side, i) => side === b[i]);
}

/** `heal`, or `partition n1 n2 | n3`. */
function partitionLabel(sides: readonly number[], ids: readonly NodeId[]): string {
  if (sides.every((s) => s === 0)) return 'heal';
  const groups: NodeId[][] = [];
  sides.forEach((side, i) => (groups[side] ??= []).push(ids[i]!));
  return `partition ${groups.map((g) => g.join(' ')).join(' | ')}`;
}
