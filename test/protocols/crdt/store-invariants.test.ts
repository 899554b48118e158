/**
 * The invariants of the CRDT stores (leaderless, multi-leader): minters only grow, and replicas
 * hold only what was minted; multi-leader's acknowledged positions are held. Hand-built states pin
 * the rules; patched protocols (a minter not persisted, a merge that sums) show each catches its
 * mistake at the step, long before (or instead of) a final-state check.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterView, Invariant, NodeContext, NodeView, ProtocolDefinition } from '../../../src/core/protocol.js';
import { mintingInvariants, type MintingState } from '../../../src/protocols/crdt/invariants.js';
import { newMinter, type Minter, type ReplicatedObject } from '../../../src/protocols/crdt/object.js';
import { pncounterAdd, EMPTY_PNCOUNTER } from '../../../src/protocols/crdt/pn-counter.js';
import { definition as multiLeader } from '../../../src/protocols/multi-leader/index.js';
import { multiLeaderInvariants } from '../../../src/protocols/multi-leader/invariants.js';
import type { MultiLeaderDurable, MultiLeaderMsg, MultiLeaderState } from '../../../src/protocols/multi-leader/types.js';
import { firstInvariant } from '../../support/runs.js';

const inv = (name: string): Invariant<MintingState> => mintingInvariants<MintingState>().find((i) => i.name === name)!;

function node(id: string, minter: Partial<Minter>, store: Record<string, ReplicatedObject> = {}): NodeView<MintingState> & { state: MintingState } {
  return { id, status: 'up', state: { self: id, minter: { ...newMinter(), ...minter }, store } };
}
const stepOf = (nodes: NodeView<MintingState>[], i: number): ClusterView<MintingState> => ({ nowUs: 0, nodes, changed: nodes[i], changedIndex: i });

describe('minting invariants', () => {
  it('minter-grows: dot counter, LWW timestamp and own counts never go back, across restarts', () => {
    const check = inv('minter-grows').monitor();
    const a = node('n1', { counter: 3, lastTimestampUs: 500 });
    expect(check(stepOf([a], 0))).toBeUndefined();
    a.state.minter.counter = 4; // mutated in place, as mintUpdate does
    expect(check(stepOf([a], 0))).toBeUndefined();
    expect(check(stepOf([node('n1', { counter: 2, lastTimestampUs: 500 })], 0))).toBe("n1's dot counter went back from 4 to 2: it may mint a version it minted before");
    const lww = inv('minter-grows').monitor();
    expect(lww(stepOf([node('n1', { lastTimestampUs: 900 })], 0))).toBeUndefined();
    expect(lww(stepOf([node('n1', { lastTimestampUs: 800 })], 0))).toBe("n1's last LWW timestamp went back from 900 to 800: its timestamps no longer only grow");
    const own = inv('minter-grows').monitor();
    expect(own(stepOf([node('n1', { own: pncounterAdd(EMPTY_PNCOUNTER, 'n1', 5) })], 0))).toBeUndefined();
    expect(own(stepOf([node('n1', { own: pncounterAdd(EMPTY_PNCOUNTER, 'n1', 2) })], 0))).toBe("n1's own counter increments went back from 5 to 2");
  });

  it('versions-minted: versions, dots, counts and timestamps a replica holds were minted by the node they name', () => {
    const minters = [node('n1', { counter: 2, lastTimestampUs: 100, own: pncounterAdd(EMPTY_PNCOUNTER, 'n1', 3) })];
    const judge = (obj: ReplicatedObject): string | undefined => inv('versions-minted').monitor()(stepOf([...minters, node('n2', {}, { k: obj })], 1));
    expect(judge({ kind: 'mv', reg: { entries: [{ value: 1, version: { n1: 2 } }] } })).toBeUndefined();
    expect(judge({ kind: 'mv', reg: { entries: [{ value: 1, version: { n1: 3 } }] } })).toBe('n2: key "k" holds version n1:3, but n1 minted only 2');
    expect(judge({ kind: 'lww', reg: { value: 1, timestampUs: 101, node: 'n1' } })).toBe('n2: key "k" holds a timestamp 101 of n1, which only reached 100');
    expect(judge({ kind: 'pn', counter: pncounterAdd(EMPTY_PNCOUNTER, 'n1', 4) })).toBe('n2: key "k" counts 4 increments of n1, which made only 3');
    expect(judge({ kind: 'orset', set: { entries: [{ element: 7, dots: [{ origin: 'n1', counter: 5 }] }], context: { vv: {}, cloud: [] } } })).toBe('n2: key "k" holds dot n1:5, but n1 minted only 2');
    // A node that is down is not judged against (its minter is on its disk).
    expect(inv('versions-minted').monitor()(stepOf([{ id: 'n1', status: 'crashed', state: undefined }, node('n2', {}, { k: { kind: 'mv', reg: { entries: [{ value: 1, version: { n1: 9 } }] } } })], 1))).toBeUndefined();
  });

  it('acks-held: an acknowledged position is one the peer applied, and an applied one was minted', () => {
    const acks = multiLeaderInvariants.find((i) => i.name === 'acks-held')!.monitor();
    const ml = (id: string, fields: Partial<MultiLeaderState>): NodeView<MultiLeaderState> => ({ id, status: 'up', state: { self: id, peers: [], store: {}, minter: newMinter(), log: [], nextSeq: 1, acked: {}, applied: {}, ...fields } as MultiLeaderState });
    expect(acks({ nowUs: 0, nodes: [ml('n1', { nextSeq: 6, acked: { n2: 5 } }), ml('n2', { applied: { n1: 5 } })] })).toBeUndefined();
    expect(acks({ nowUs: 0, nodes: [ml('n1', { nextSeq: 6, acked: { n2: 5 } }), ml('n2', { applied: { n1: 3 } })] })).toBe('n1 records its updates through 5 as acknowledged by n2, which applied only 3');
    expect(acks({ nowUs: 0, nodes: [ml('n1', { nextSeq: 3 }), ml('n2', { applied: { n1: 4 } })] })).toBe("n2 applied n1's updates through 4, but n1 minted only 2");
  });
});

type Ctx = NodeContext<MultiLeaderMsg, MultiLeaderDurable>;

function patchedMultiLeader(name: string, wrap: (ml: ReturnType<typeof multiLeader.create>) => Partial<ReturnType<typeof multiLeader.create>>): ProtocolDefinition<unknown> {
  return {
    ...(multiLeader as ProtocolDefinition<unknown>),
    name,
    create(config) {
      const ml = multiLeader.create(config as Parameters<typeof multiLeader.create>[0]);
      return { ...ml, ...wrap(ml) };
    },
  };
}

/** The minter is not persisted: a restarted node mints from zero again. */
const forgetMinter = (ctx: Ctx): Ctx => ({ ...ctx, persist: (d) => ctx.persist({ ...d, minter: newMinter() }) });
const minterInMemory = patchedMultiLeader('ml-minter-in-memory', (ml) => ({
  onRequest: (state: MultiLeaderState, req, ctx: Ctx) => ml.onRequest(state, req, forgetMinter(ctx)),
  onMessage: (state: MultiLeaderState, from, msg: MultiLeaderMsg, ctx: Ctx) => ml.onMessage(state, from, msg, forgetMinter(ctx)),
}));

/** A replica that adds an update's counts to its own instead of taking the maximum. */
const mergeSums = patchedMultiLeader('ml-merge-sums', (ml) => ({
  onMessage: (state: MultiLeaderState, from, msg: MultiLeaderMsg, ctx: Ctx) => {
    ml.onMessage(state, from, msg, ctx);
    if (msg.type !== 'replicate') return;
    for (const e of msg.entries) {
      const mine = state.store[e.key];
      if (mine?.kind !== 'pn' || e.delta.kind !== 'pn') continue;
      let counter = mine.counter;
      for (const [n, x] of Object.entries(e.delta.counter.p)) counter = pncounterAdd(counter, n, x);
      state.store[e.key] = { kind: 'pn', counter };
    }
  },
}));

describe('CRDT store mutants caught at the step', () => {
  it('a minter kept in memory breaks minter-grows at the restart', () => {
    const raw = { nodes: 3, duration: '2s', workload: { model: 'kv', clients: 3, keys: 2, rate: '100/s', route: 'sticky' }, faults: [{ at: '1s', crash: 'n1', for: '50ms' }], checks: ['invariants'], limits: { events: 200_000 } };
    expect(firstInvariant(minterInMemory, raw, 3)).toBe('minter-grows');
  });

  it('a counter merge that sums breaks versions-minted when a duplicate arrives', () => {
    const raw = {
      options: { conflicts: 'crdt' },
      nodes: 3,
      duration: '1s',
      workload: { model: 'counter', clients: 3, rate: '100/s', route: 'sticky' },
      faults: [{ at: '0s', network: { duplicate: 0.3 } }],
      checks: ['invariants'],
      limits: { events: 200_000 },
    };
    expect(firstInvariant(mergeSums, raw, 3)).toBe('versions-minted');
  });
});
