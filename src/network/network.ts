/**
 * Per-message network decisions: partition, loss, delay, reordering, duplication, per-link FIFO,
 * and what happens to messages in flight when a link is cut. Pure with respect to its inputs and
 * seeded streams; the kernel owns time and the event queue.
 *
 * Endpoints are numbered: nodes first (0..nodes-1), then client processes, each of which lives in
 * the zone of a home node. A client reaches its home node always, and any other node exactly when
 * its home node does: a partition cuts clients off with their zone.
 */
import { assert } from '../core/assert.js';
import type { Rng } from '../rng/index.js';
import { latencySampler, type LatencySampler, type LatencySpec } from './latency.js';
import { blockedPairs, type PartitionSpec } from './partitions.js';

export interface NetworkConfig {
  readonly latency: LatencySpec;
  /** Probability a message is lost. */
  readonly loss: number;
  /** Probability a message is delivered twice (the copy with its own delay). */
  readonly duplicate: number;
  /** Probability a message gets an extra delay, uniform in [reorderMinUs, reorderDelayUs]: long reordering. */
  readonly reorder: number;
  readonly reorderDelayUs: number;
  /**
   * Least extra delay of a reordered message (default 0). MIT 6.5840's labrpc holds a share of
   * messages 200–2200 ms: far beyond election timeouts, which is what makes stale replies arrive
   * after everything they refer to has moved on.
   */
  readonly reorderMinUs?: number;
  /** Per-link FIFO: messages on one directed link arrive in send order. */
  readonly fifo: boolean;
  /** Messages in flight on a link that gets cut: dropped, or still delivered. */
  readonly inFlightOnCut: 'drop' | 'deliver';
  /** Whether loss, duplication and reordering also hit client links (partitions always do). */
  readonly lossyClientLinks: boolean;
}

export const DROP_PARTITION = -1;
export const DROP_LOSS = -2;

export class Network {
  /** Delivery times of the copies decided by the last `route` call. */
  readonly outTimesUs: number[] = [0, 0];
  /** Cut epoch of the link at send time, for the last `route` call. */
  outEpoch = 0;

  private readonly sample: LatencySampler;
  private readonly zoneOf: number[] = [];
  private readonly rngOf: Rng[] = [];
  private readonly blockedCount: Uint16Array;
  private readonly cutEpoch: Uint32Array;
  private readonly active = new Map<number, Array<[number, number]>>();
  private nextPartitionId = 1;
  private readonly fifoLast = new Map<number, number>();
  /** Extra one-way delay per directed zone link (slow links), and how many links have one. */
  private readonly slowUs: Float64Array;
  private slowCount = 0;

  /** The live settings: `configure` changes loss, duplication and reordering mid-run. */
  private config: NetworkConfig;

  constructor(
    readonly baseConfig: NetworkConfig,
    readonly nodeCount: number,
    private readonly streams: Rng,
    private readonly endpointName: (index: number) => string,
  ) {
    this.config = baseConfig;
    this.sample = latencySampler(baseConfig.latency);
    this.blockedCount = new Uint16Array(nodeCount * nodeCount);
    this.cutEpoch = new Uint32Array(nodeCount * nodeCount);
    this.slowUs = new Float64Array(nodeCount * nodeCount);
    for (let i = 0; i < nodeCount; i++) this.addEndpoint(i);
  }

  /** Registers the next endpoint (a node, or a client homed on node `zone`); returns its index. */
  addEndpoint(zone: number): number {
    assert(zone >= 0 && zone < this.nodeCount, `zone ${zone} out of range`);
    const index = this.zoneOf.length;
    this.zoneOf.push(zone);
    // Each sender draws from its own stream, so new endpoints do not shift existing ones.
    this.rngOf.push(this.streams.fork(this.endpointName(index)));
    return index;
  }

  /** Whether a message from endpoint a to endpoint b would pass right now. */
  linkUp(a: number, b: number): boolean {
    const za = this.zoneOf[a]!;
    const zb = this.zoneOf[b]!;
    return za === zb || this.blockedCount[za * this.nodeCount + zb] === 0;
  }

  /**
   * Decides a message's fate. Returns the number of copies to deliver (times in `outTimesUs`), or
   * DROP_PARTITION / DROP_LOSS.
   */
  route(a: number, b: number, nowUs: number): number {
    const za = this.zoneOf[a]!;
    const zb = this.zoneOf[b]!;
    const link = za * this.nodeCount + zb;
    if (za !== zb && this.blockedCount[link] !== 0) return DROP_PARTITION;
    this.outEpoch = this.cutEpoch[link]!;
    const rng = this.rngOf[a]!;
    const cfg = this.config;
    const lossy = cfg.lossyClientLinks || (a < this.nodeCount && b < this.nodeCount);
    if (lossy && cfg.loss > 0 && rng.next() < cfg.loss) return DROP_LOSS;
    // A slow link delays every message on it, client or not, with no random draw (so runs without
    // slow links draw exactly as before).
    const slowUs = this.slowCount > 0 ? this.slowUs[link]! : 0;
    let at = nowUs + slowUs + this.delay(rng, lossy);
    if (cfg.fifo) {
      const key = a * 1_048_576 + b;
      const last = this.fifoLast.get(key);
      if (last !== undefined && last > at) at = last;
      this.fifoLast.set(key, at);
    }
    this.outTimesUs[0] = at;
    if (lossy && cfg.duplicate > 0 && rng.next() < cfg.duplicate) {
      // A duplicate is a retransmission: it may overtake or trail the original, FIFO or not.
      this.outTimesUs[1] = nowUs + slowUs + this.delay(rng, lossy);
      return 2;
    }
    return 1;
  }

  private delay(rng: Rng, lossy: boolean): number {
    let d = this.sample(rng);
    const cfg = this.config;
    if (lossy && cfg.reorder > 0 && rng.next() < cfg.reorder) {
      const min = cfg.reorderMinUs ?? 0;
      d += min + Math.round(rng.next() * Math.max(0, cfg.reorderDelayUs - min));
    }
    return d;
  }

  /** At delivery: whether a message sent with `epochAtSend` may still arrive. */
  deliverable(a: number, b: number, epochAtSend: number): boolean {
    if (this.config.inFlightOnCut === 'deliver') return true;
    const za = this.zoneOf[a]!;
    const zb = this.zoneOf[b]!;
    if (za === zb) return true;
    const link = za * this.nodeCount + zb;
    return this.blockedCount[link] === 0 && this.cutEpoch[link] === epochAtSend;
  }

  /**
   * Changes loss, duplication or reordering (its probability and delay range) from now on;
   * `reset` restores the scenario's settings.
   */
  configure(change: { loss?: number; duplicate?: number; reorder?: number; reorderMinUs?: number; reorderDelayUs?: number } | 'reset'): void {
    this.config = change === 'reset' ? this.baseConfig : { ...this.config, ...change };
  }

  /**
   * Adds `extraUs` of one-way delay to each directed link in `links` (node index pairs; clients
   * share their home node's links); a negative amount takes it back. Slow links compose.
   */
  slow(links: ReadonlyArray<readonly [number, number]>, extraUs: number): void {
    for (const [x, y] of links) {
      assert(x >= 0 && x < this.nodeCount && y >= 0 && y < this.nodeCount && x !== y, `slow link ${x}>${y} out of range`);
      const link = x * this.nodeCount + y;
      const before = this.slowUs[link]!;
      const after = Math.max(0, before + extraUs);
      this.slowUs[link] = after;
      if (before === 0 && after > 0) this.slowCount++;
      else if (before > 0 && after === 0) this.slowCount--;
    }
  }

  /** Every link back to its normal speed (the heal). */
  clearSlow(): void {
    this.slowUs.fill(0);
    this.slowCount = 0;
  }

  /** Directed node links with extra delay, for reports. */
  get slowLinks(): number {
    return this.slowCount;
  }

  get settings(): NetworkConfig {
    return this.config;
  }

  /** Applies a partition; returns its id for a targeted heal. */
  partition(spec: PartitionSpec): number {
    const pairs = blockedPairs(spec, this.nodeCount);
    for (const [x, y] of pairs) {
      assert(x >= 0 && x < this.nodeCount && y >= 0 && y < this.nodeCount, `partition names node ${x}/${y} out of range`);
      const link = x * this.nodeCount + y;
      if (this.blockedCount[link] === 0) this.cutEpoch[link] = this.cutEpoch[link]! + 1;
      this.blockedCount[link] = this.blockedCount[link]! + 1;
    }
    const id = this.nextPartitionId++;
    this.active.set(id, pairs);
    return id;
  }

  /** Heals one partition by id, or every partition. */
  heal(id?: number): void {
    const ids = id === undefined ? [...this.active.keys()] : [id];
    for (const pid of ids) {
      const pairs = this.active.get(pid);
      if (pairs === undefined) continue;
      for (const [x, y] of pairs) {
        const link = x * this.nodeCount + y;
        this.blockedCount[link] = this.blockedCount[link]! - 1;
      }
      this.active.delete(pid);
    }
  }

  get activePartitions(): number {
    return this.active.size;
  }

  /** Directed node links currently cut, for reports. */
  cutLinks(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let x = 0; x < this.nodeCount; x++)
      for (let y = 0; y < this.nodeCount; y++) if (this.blockedCount[x * this.nodeCount + y] !== 0) out.push([x, y]);
    return out;
  }
}
