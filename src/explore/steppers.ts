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
}

export class QuiescentStepper implements Stepper {
  readonly log: string[] = [];
  /** The side of the partition each node is on (by node index); one side: healed. */
  private sides: readonly number[];
  private enabled: PartitionStep[] | undefined;
  /** Whether the last quiescence stopped at its bound with messages still deliverable. */
  unquiet = false;
  /**
   * Whether the last step changed the partition and delivered nothing: then another partition
   * change now would only replace it (the same state is one change away from the state before).
   */
  private idlePartition = false;

  /** Partition changes taken. */
  private changes = 0;
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
    for (const ev of this.world.sim.choosable()) if (ev.kind === EventKind.Message) waiting.set(ev.target, [...(waiting.get(ev.target) ?? []), ev]);
    const order: Record<string, unknown[]> = {};
    for (const [target, events] of waiting) if (events.length > 1) order[ids[target]!] = events.sort((a, b) => a.id - b.id).map((ev) => [ids[ev.source] ?? ev.source, ev.payload]);
    // The changes left bound the future only when there is a bound.
    return this.maxChanges === Infinity ? [sides, order] : [sides, order, this.changes];
  }

  steps(): readonly PartitionStep[] {
    if (this.enabled !== undefined) return this.enabled;
    const out: PartitionStep[] = [];
    const choices = this.world.choices();
    if (choices.length === 0) return (this.enabled = out);
    for (const choice of choices) if (choice.kind === 'invoke' || choice.kind === 'timer' || choice.kind === 'crash') out.push({ label: choice.label, choice });
    if (!this.idlePartition && this.changes < this.maxChanges) for (const sides of this.partitions) if (!sameSides(sides, this.sides)) out.push({ label: partitionLabel(sides, this.world.nodeIds), sides });
    return (this.enabled = out);
  }

  take(index: number): void {
    const step = this.steps()[index]!;
    this.enabled = undefined;
    const events = this.world.sim.events;
    if (step.sides !== undefined) {
      this.sides = step.sides;
      this.changes++;
    } else {
      this.world.apply(step.choice!);
      if (this.recording) this.log.push(step.choice!.label);
    }
    this.quiesce();
    this.idlePartition = step.sides !== undefined && this.world.sim.events === events;
  }

  /**
   * Delivers what can arrive, oldest first, until nothing can (or a fatal finding ended the run:
   * then nothing is enabled). An invariant violated on the way stays among the findings.
   */
  private quiesce(): void {
    const world = this.world;
    const nodes = world.nodeIds.length;
    for (let n = 0; n < MAX_QUIESCE_DELIVERIES; n++) {
      if (world.halted) return;
      let next: SimEvent | undefined;
      for (const ev of world.sim.choosable()) {
        if (ev.kind !== EventKind.Message && ev.kind !== EventKind.Request && ev.kind !== EventKind.Reply) continue;
        const across = ev.kind === EventKind.Message && ev.source < nodes && ev.target < nodes && this.sides[ev.source] !== this.sides[ev.target];
        if (!across && (next === undefined || ev.id < next.id)) next = ev;
      }
      if (next === undefined) {
        this.unquiet = false;
        return;
      }
      // The label only when the log is kept (building it costs more than the delivery).
      const choice = this.recording ? world.choices().find((c) => c.kind === 'deliver' && c.event === next) : undefined;
      world.deliver(next);
      if (choice !== undefined) this.log.push(choice.label);
    }
    this.unquiet = true;
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
