/**
 * Coverage of abstract protocol behaviour, for greybox fuzzing (corpus.ts). A run is watched
 * through the protocol moments the kernel reports (role changes, persists, sends and deliveries
 * by message type, replies, notes, crashes, restarts) and, where the protocol offers one, a small
 * abstraction of each node's state (`Protocol.abstractState`: a role and a few flags, never a
 * counter). Features, hashed into a bounded map of COVERAGE_SIZE slots:
 *
 * - event edges: a node's previous moment and this one, each in the context of the node's
 *   abstract state (AFL's edge coverage, over protocol moments instead of branches);
 * - abstract transitions: a node's abstract state before and after;
 * - cluster shapes, whenever a node's abstract state changes: its new state beside each other
 *   node's (crashed nodes count as down) — a leader with an uncommitted tail of an old term beside
 *   a restarted voter — and the multiset of roles (two leaders, no leader, ...): the
 *   happens-before summaries of Mallory (CCS 2023), reduced to what a deterministic simulator
 *   sees directly.
 *
 * Each feature also records roughly how often it happened (hit-count classes, as AFL's), so a run
 * that elects ten leaders covers something a run that elects one does not.
 */

import type { RunOptions } from '../runner/run.js';
import type { ObservedKind } from '../kernel/simulation.js';

/** Slots in the coverage map. */
export const COVERAGE_SIZE = 1 << 16;

/** A node's moments as the kernel reports them, and the node's abstract state after. */
export interface CoverageEvent {
  readonly node: string;
  readonly kind: string;
  readonly detail: string;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function hashString(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Mixes two 32-bit values (murmur3's finalizer over a combination). */
function mix(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hit-count classes, coarser than AFL's: once, a few times (2-7), often (8-63), a storm (64+). */
function bucket(count: number): number {
  if (count === 1) return 1;
  if (count < 8) return 2;
  if (count < 64) return 3;
  return 4;
}

const DIGITS = /\d+/g;

/** Records one run's features. */
export class CoverageRecorder {
  private readonly counts = new Map<number, number>();
  private readonly names = new Map<string, number>();
  private readonly lastEvent = new Map<string, number>();
  private readonly abstract = new Map<string, string>();
  /** The first word of each node's abstract state: its role. */
  private readonly roles = new Map<string, string>();

  /** `nodes`: every node id of the run, for cluster shapes (nodes never seen count as down). */
  constructor(private readonly nodes: readonly string[]) {}

  /**
   * A moment at a node, in the context of the node's abstract state. Digits in `detail` are
   * dropped: a timer or note named after a request id is the same moment for every request.
   */
  event(node: string, kind: string, detail: string): void {
    // In the context of the node's role only: the full abstract state would multiply every event.
    const context = this.roles.get(node) ?? '';
    const e = mix(mix(this.hashOf(kind), this.hashOf(detail.replace(DIGITS, '#'))), this.hashOf(context));
    this.hit(mix(this.lastEvent.get(node) ?? 0, e));
    this.lastEvent.set(node, e);
    if (kind === 'crash') this.setAbstract(node, 'down');
  }

  /** The node's abstract state after a step (undefined: unknown, nothing recorded). */
  abstractState(node: string, abstract: string | undefined): void {
    if (abstract !== undefined) this.setAbstract(node, abstract);
  }

  private setAbstract(node: string, next: string): void {
    const before = this.abstract.get(node) ?? '';
    if (before === next) return;
    this.abstract.set(node, next);
    const space = next.indexOf(' ');
    this.roles.set(node, space < 0 ? next : next.slice(0, space));
    this.hit(mix(mix(0x7a11, this.hashOf(before)), this.hashOf(next)));
    // The cluster around it: this node's new state beside each other node's (pairs saturate
    // where whole-cluster sets of states keep growing), and the multiset of roles.
    const mine = this.hashOf(next);
    for (const other of this.nodes) {
      if (other === node) continue;
      const theirs = this.hashOf(this.abstract.get(other) ?? 'down');
      this.hit(mix(0x9a12, mine < theirs ? mix(mine, theirs) : mix(theirs, mine)));
    }
    const roles = this.nodes.map((n) => this.roles.get(n) ?? 'down').sort();
    let h = 0x5a4e;
    for (const r of roles) h = mix(h, this.hashOf(r));
    this.hit(h);
  }

  private hashOf(text: string): number {
    let h = this.names.get(text);
    if (h === undefined) this.names.set(text, (h = hashString(text)));
    return h;
  }

  private hit(feature: number): void {
    this.counts.set(feature, (this.counts.get(feature) ?? 0) + 1);
  }

  /** The run's features: map slots, each a feature with its hit-count class, sorted, distinct. */
  features(): number[] {
    const out = new Set<number>();
    for (const [feature, count] of this.counts) out.add(mix(feature, bucket(count)) % COVERAGE_SIZE);
    return [...out].sort((a, b) => a - b);
  }
}

/**
 * Feeds a recorder from the protocol moments the kernel reports (deliveries by message type,
 * timers, role changes, notes, replies, crashes, restarts) and, after each delivery or timer, the
 * node's abstract state. Sends and persists are left out: they follow from the moment that caused
 * them and would only lengthen the edges.
 */
export function coverageWatcher(recorder: CoverageRecorder): NonNullable<RunOptions['watch']> {
  return ({ protocol, nodes }) => {
    const abstractOf = (node: string): string | undefined => {
      const view = nodes().find((n) => n.id === node);
      if (view?.state === undefined) return undefined;
      try {
        return protocol.abstractState !== undefined ? protocol.abstractState(view.state) : (protocol.role?.(view.state) ?? '');
      } catch {
        return undefined; // a protocol bug shows in its checks, not here
      }
    };
    return (node: string, kind: ObservedKind, detail: string): void => {
      switch (kind) {
        case 'deliver':
        case 'timer':
        case 'restart':
          recorder.event(node, kind, detail);
          return recorder.abstractState(node, abstractOf(node));
        case 'role':
          return recorder.abstractState(node, abstractOf(node));
        case 'note':
        case 'reply':
        case 'crash':
          return recorder.event(node, kind, detail);
        case 'send':
        case 'persist':
          return;
      }
    };
  };
}
