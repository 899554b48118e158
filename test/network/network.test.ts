import { describe, expect, it } from 'vitest';
import { DROP_LOSS, DROP_PARTITION, Network, type NetworkConfig } from '../../src/network/network.js';
import { blockedPairs } from '../../src/network/partitions.js';
import { latencySampler } from '../../src/network/latency.js';
import { Rng } from '../../src/rng/index.js';
import { quietNetwork } from '../support/sim.js';

// A quiet network with a spread of delays, so reordering is possible.
const base: NetworkConfig = { ...quietNetwork, latency: { dist: 'uniform', minUs: 1000, maxUs: 5000 } };
const make = (config: Partial<NetworkConfig> = {}, nodes = 3): Network =>
  new Network({ ...base, ...config }, nodes, Rng.root('net-test'), (i) => `e${i}`);

describe('Network', () => {
  it('loses messages at the configured rate (within 4 standard deviations)', () => {
    const net = make({ loss: 0.2 });
    const trials = 20_000;
    let lost = 0;
    for (let i = 0; i < trials; i++) if (net.route(0, 1, 0) === DROP_LOSS) lost++;
    const sd = Math.sqrt(trials * 0.2 * 0.8);
    expect(Math.abs(lost - trials * 0.2)).toBeLessThan(4 * sd);
  });

  it('duplicates at the configured rate', () => {
    const net = make({ duplicate: 0.1 });
    let dup = 0;
    for (let i = 0; i < 20_000; i++) if (net.route(0, 1, 0) === 2) dup++;
    expect(Math.abs(dup - 2000)).toBeLessThan(4 * Math.sqrt(20_000 * 0.1 * 0.9));
  });

  it('keeps per-link FIFO when asked, and reorders when not', () => {
    const fifo = make({ fifo: true });
    const plain = make({ fifo: false });
    let lastFifo = 0;
    let inversions = 0;
    let lastPlain = 0;
    for (let t = 0; t < 5000; t += 10) {
      fifo.route(0, 1, t);
      expect(fifo.outTimesUs[0]!).toBeGreaterThanOrEqual(lastFifo);
      lastFifo = fifo.outTimesUs[0]!;
      plain.route(0, 1, t);
      if (plain.outTimesUs[0]! < lastPlain) inversions++;
      lastPlain = plain.outTimesUs[0]!;
    }
    expect(inversions).toBeGreaterThan(0);
  });

  it('a one-way partition passes one way only', () => {
    const net = make();
    net.partition({ kind: 'one-way', from: [0], to: [1] });
    expect(net.route(0, 1, 0)).toBe(DROP_PARTITION);
    expect(net.route(1, 0, 0)).toBe(1);
    expect(net.route(0, 2, 0)).toBe(1);
  });

  it('a bridge partition is not transitive: A-B and B-C up, A-C down', () => {
    const net = make({}, 3);
    net.partition({ kind: 'bridge', bridge: 1, left: [0], right: [2] });
    expect(net.linkUp(0, 1) && net.linkUp(1, 0) && net.linkUp(1, 2) && net.linkUp(2, 1)).toBe(true);
    expect(net.linkUp(0, 2) || net.linkUp(2, 0)).toBe(false);
  });

  it('overlapping partitions heal independently', () => {
    const net = make({}, 3);
    const a = net.partition({ kind: 'isolate', node: 0 });
    net.partition({ kind: 'split', groups: [[0, 1]] });
    net.heal(a);
    expect(net.linkUp(0, 1)).toBe(true);
    expect(net.linkUp(0, 2)).toBe(false); // still cut by the split
    net.heal();
    expect(net.linkUp(0, 2)).toBe(true);
  });

  it('drops messages in flight on a cut link, or delivers them, as configured', () => {
    for (const policy of ['drop', 'deliver'] as const) {
      const net = make({ inFlightOnCut: policy });
      expect(net.route(0, 1, 0)).toBe(1);
      const epoch = net.outEpoch;
      const id = net.partition({ kind: 'isolate', node: 1 });
      net.heal(id); // cut and healed while the message was on the wire
      expect(net.deliverable(0, 1, epoch)).toBe(policy === 'deliver');
    }
  });

  it('clients live in their home node zone: cut off with it', () => {
    const net = make({}, 3);
    const client = net.addEndpoint(0); // homed with n1
    net.partition({ kind: 'isolate', node: 0 });
    expect(net.route(client, 0, 0)).toBe(1);
    expect(net.route(client, 1, 0)).toBe(DROP_PARTITION);
    expect(net.route(2, client, 0)).toBe(DROP_PARTITION);
  });

  it('split groups: unlisted nodes form one more group', () => {
    const pairs = blockedPairs({ kind: 'split', groups: [[0, 1]] }, 4).map(([a, b]) => `${a}${b}`);
    expect(pairs).toContain('02');
    expect(pairs).toContain('13');
    expect(pairs).not.toContain('23');
    expect(pairs).not.toContain('01');
  });

  it('latency distributions stay in range and near their means', () => {
    const rng = Rng.root('lat');
    const uniform = latencySampler({ dist: 'uniform', minUs: 10, maxUs: 20 });
    const expo = latencySampler({ dist: 'exponential', meanUs: 5000, minUs: 1000 });
    const tail = latencySampler({ dist: 'long-tail', base: { dist: 'constant', valueUs: 100 }, tail: { dist: 'constant', valueUs: 100_000 }, tailProbability: 0.01 });
    let sum = 0;
    let tails = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = uniform(rng);
      expect(u >= 10 && u <= 20).toBe(true);
      const e = expo(rng);
      expect(e).toBeGreaterThanOrEqual(1000);
      sum += e;
      if (tail(rng) === 100_000) tails++;
    }
    expect(sum / 20_000).toBeGreaterThan(4800);
    expect(sum / 20_000).toBeLessThan(5200);
    expect(tails).toBeGreaterThan(120);
    expect(tails).toBeLessThan(280);
  });

  it('long reordering: a reordered message is held within [reorderMinUs, reorderDelayUs] extra', () => {
    const net = make({ latency: { dist: 'constant', valueUs: 1000 }, reorder: 0.5, reorderMinUs: 200_000, reorderDelayUs: 2_200_000 });
    let held = 0;
    for (let i = 0; i < 4000; i++) {
      net.route(0, 1, 0);
      const at = net.outTimesUs[0]!;
      if (at === 1000) continue;
      held++;
      expect(at).toBeGreaterThanOrEqual(201_000);
      expect(at).toBeLessThanOrEqual(2_201_000);
    }
    expect(Math.abs(held - 2000)).toBeLessThan(4 * Math.sqrt(4000 * 0.25));
  });

  it('a slow link delays both directions of that link only, clients in its zones too, until taken back', () => {
    const net = make({ latency: { dist: 'constant', valueUs: 1000 } }, 3);
    const client = net.addEndpoint(0); // homed with node 0
    net.slow([[0, 1], [1, 0]], 50_000);
    expect(net.slowLinks).toBe(2);
    const at = (a: number, b: number): number => (net.route(a, b, 0), net.outTimesUs[0]!);
    expect(at(0, 1)).toBe(51_000);
    expect(at(1, 0)).toBe(51_000);
    expect(at(client, 1)).toBe(51_000);
    expect(at(client, 0)).toBe(1000);
    expect(at(0, 2)).toBe(1000);
    net.slow([[0, 1]], 30_000); // slow links compose
    expect(at(0, 1)).toBe(81_000);
    net.slow([[0, 1], [1, 0]], -50_000);
    expect(at(0, 1)).toBe(31_000);
    expect(at(1, 0)).toBe(1000);
    net.clearSlow();
    expect(net.slowLinks).toBe(0);
    expect(at(0, 1)).toBe(1000);
  });
});
