/**
 * Primary-backup shards, handler by handler: three nodes, s1 served by the pair n1 (primary) and
 * n2 (backup), s2 by n3 alone, which coordinates. A yes vote waits for the backup's confirmation
 * of the PREPARED record; the backup takes over from that record when the primary is silent, and
 * finishes the transaction; the deposed primary, fenced by the term, can no longer vote, and
 * re-joins as backup.
 */
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../../src/core/protocol.js';
import { handDriven } from '../../support/hand-driven.js';
import { createTransactions } from '../../../src/protocols/transactions/index.js';
import { parseOptions } from '../../../src/protocols/transactions/options.js';
import { shardOf } from '../../../src/protocols/transactions/shard-map.js';
import type { TxDurable, TxMsg, TxState } from '../../../src/protocols/transactions/types.js';

type Node = 'n1' | 'n2' | 'n3';
const NODES: readonly Node[] = ['n1', 'n2', 'n3'];

function cluster(flaws: readonly string[] = []) {
  const parsed = parseOptions({ replication: 'primary-backup', failoverTimeout: '300ms' });
  if (!parsed.ok) throw new Error('options');
  const protocol: Protocol<TxState, TxMsg, TxDurable> = createTransactions(parsed.value, new Set(flaws), 'list-append');
  const { ctx: contexts, sent, replies, disks, advance, take } = handDriven<TxMsg, TxDurable>(NODES);
  const ctx = { n1: contexts['n1']!, n2: contexts['n2']!, n3: contexts['n3']! };
  const state = { n1: protocol.init(ctx.n1, undefined), n2: protocol.init(ctx.n2, undefined), n3: protocol.init(ctx.n3, undefined) };
  const key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((k) => shardOf(state.n3.map, k) === 's1')!;
  const pending = (type: TxMsg['type'], from: Node, to: Node): number => sent.filter((s) => s.msg.type === type && s.from === from && s.to === to).length;
  const deliver = (type: TxMsg['type'], from: Node, to: Node): void => protocol.onMessage(state[to], from, take(type, from, to), ctx[to]);
  const tick = (node: Node, us: number): void => {
    advance(us);
    protocol.onTimer(state[node], 'tick', ctx[node]);
  };
  /** n3 coordinates a one-key transaction on s1 up to n1's PREPARED record (shipped to n2, not yet confirmed). */
  const prepareOnN1 = (): void => {
    sent.length = 0;
    protocol.onRequest(state.n3, { id: 'c1:1:1', client: 'c1', seq: 1, op: { f: 'txn', value: [['append', key, 7]] } }, ctx.n3);
    deliver('exec', 'n3', 'n1');
    deliver('exec-ok', 'n1', 'n3');
    deliver('prepare', 'n3', 'n1');
  };
  return { protocol, state, ctx, sent, replies, disks, pending, take, deliver, tick, prepareOnN1, key };
}

describe('transactions: primary-backup shards', () => {
  it('pairs the nodes into shards: n1+n2 serve s1, n3 serves s2 alone', () => {
    const { state } = cluster();
    expect(state.n1.map.pairs).toEqual({ s1: ['n1', 'n2'], s2: ['n3'] });
    expect([state.n1.shard, state.n2.shard, state.n3.shard]).toEqual(['s1', 's1', 's2']);
    expect([state.n1.backup, state.n2.backup, state.n3.backup]).toEqual(['n2', null, null]);
  });

  it('a yes vote leaves only once the backup holds the PREPARED record', () => {
    const t = cluster();
    t.prepareOnN1();
    expect(t.pending('vote', 'n1', 'n3')).toBe(0);
    t.deliver('replicate', 'n1', 'n2');
    expect(Object.keys(t.disks.n2!.prepared)).toEqual(['n3/c1:1:1']);
    t.deliver('replicate-ack', 'n2', 'n1');
    expect(t.take('vote', 'n1', 'n3')).toMatchObject({ yes: true });
  });

  it('the flaw vote-before-backup votes at once, before the backup has anything', () => {
    const t = cluster(['vote-before-backup']);
    t.prepareOnN1();
    expect(t.take('vote', 'n1', 'n3')).toMatchObject({ yes: true });
    expect(t.pending('replicate', 'n1', 'n2')).toBe(0);
  });

  it('the backup takes over a silent primary from the record, finishes the transaction in doubt, and fences the old primary', () => {
    const t = cluster();
    t.prepareOnN1();
    t.deliver('replicate', 'n1', 'n2');
    t.deliver('replicate-ack', 'n2', 'n1');
    t.deliver('vote', 'n1', 'n3'); // n3 decides commit and tells n1 ... which has crashed
    expect(t.replies).toEqual([{ id: 'c1:1:1', type: 'ok' }]); // n3 serves s2 alone: nothing to wait for
    t.sent.length = 0;
    t.tick('n2', 200_000);
    expect(t.state.n2.map.nodes['s1']).toBe('n1'); // not yet: 200ms of silence
    t.tick('n2', 200_000);
    expect(t.state.n2.map.nodes['s1']).toBe('n2');
    expect(t.state.n2.map.terms).toEqual({ s1: 2, s2: 1 });
    expect(t.state.n2.txns.get('n3/c1:1:1')?.record).not.toBeNull(); // in doubt, with its lock
    expect(t.state.n2.locks.get(String(t.key))?.writer).toBe('n3/c1:1:1');
    // The coordinator's retry reaches both nodes of s1; the new primary commits and acknowledges.
    t.deliver('map', 'n2', 'n3');
    t.tick('n3', 100_000);
    t.deliver('decide', 'n3', 'n2');
    expect(t.state.n2.data[String(t.key)]).toEqual([7]);
    expect(t.pending('decide-ack', 'n2', 'n3')).toBe(1); // alone in term 2: nothing to wait for
    // The old primary comes back in term 1: its record is refused, the map deposes it.
    t.sent.length = 0;
    t.state.n1 = t.protocol.init(t.ctx.n1, t.disks.n1);
    t.tick('n1', 20_000);
    t.deliver('replicate', 'n1', 'n2');
    t.deliver('map', 'n2', 'n1');
    expect(t.state.n1.map.nodes['s1']).toBe('n2');
    expect(t.state.n1.txns.size).toBe(0);
    // It asks to re-join; n2 takes it back and ships it the whole record.
    t.tick('n1', 100_000);
    t.deliver('join', 'n1', 'n2');
    expect(t.state.n2.backup).toBe('n1');
    t.deliver('replicate', 'n2', 'n1');
    expect(t.disks.n1!.data[String(t.key)]).toEqual([7]);
    expect(t.disks.n1!.repl).toMatchObject({ term: 2, backup: 'n1' });
  });

  it('a deposed primary that does not know it keeps what it decides alone to itself (fuzz seed 1, run 1738)', () => {
    const t = cluster();
    t.prepareOnN1();
    t.deliver('replicate', 'n1', 'n2');
    t.deliver('replicate-ack', 'n2', 'n1');
    t.take('vote', 'n1', 'n3');
    t.tick('n2', 400_000); // n2 takes over s1 in term 2; n1 has not heard
    expect(t.state.n2.map.terms?.['s1']).toBe(2);
    // n1, still primary of term 1 in its own eyes, is told "aborted" (a presumed abort from a
    // coordinator log that no longer holds the transaction) and applies it: its record goes
    // unconfirmed, so its answer to a fellow participant's question is held back.
    t.protocol.onMessage(t.state.n1, 'n2', { type: 'state', txn: 'n3/c1:1:1', state: 'aborted', fromCoordinator: true }, t.ctx.n1);
    t.sent.length = 0;
    t.protocol.onMessage(t.state.n1, 'n3', { type: 'state-req', txn: 'n3/c1:1:1', toCoordinator: false }, t.ctx.n1);
    expect(t.pending('state', 'n1', 'n3')).toBe(0);
  });

  it('a destination adopts the map that gives it a range only once its backup holds the range (fuzz seed 1, run 2787)', () => {
    const t = cluster();
    // n3 (s2, alone) moves the range of a key it owns to s1 (the pair n1+n2).
    const key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((k) => shardOf(t.state.n3.map, k) === 's2')!;
    t.protocol.onCommand!(t.state.n3, { name: 'move', args: { key, to: 's1' } }, t.ctx.n3);
    t.sent.length = 0;
    t.tick('n3', 100_000);
    t.deliver('migrate', 'n3', 'n1');
    expect(shardOf(t.state.n1.map, key)).toBe('s2'); // installed and persisted, not adopted
    expect(shardOf(t.disks.n1!.pendingMap!, key)).toBe('s1');
    expect(t.pending('migrate-ack', 'n1', 'n3')).toBe(0);
    // A crash now (fuzz seed 1, primary-backup run 5704): back from its disk, n1 still waits.
    t.state.n1 = t.protocol.init(t.ctx.n1, t.disks.n1);
    expect(shardOf(t.state.n1.map, key)).toBe('s2');
    t.sent.length = 0;
    t.tick('n1', 20_000); // re-ships its record
    t.deliver('replicate', 'n1', 'n2');
    expect(shardOf(t.disks.n2!.pendingMap!, key)).toBe('s1');
    t.deliver('replicate-ack', 'n2', 'n1');
    expect(shardOf(t.state.n1.map, key)).toBe('s1');
    t.tick('n3', 100_000); // the source asks again
    t.deliver('migrate', 'n3', 'n1');
    t.deliver('migrate-ack', 'n1', 'n3');
    expect(shardOf(t.state.n3.map, key)).toBe('s1');
  });

  it('only the coordinator, or a primary that took its shard over after it, presumes abort (primary-backup fuzz seed 1, run 1974)', () => {
    const t = cluster();
    t.tick('n2', 400_000); // n2 takes over s1 in term 2; n1, cut off, still believes it is primary of term 1
    t.sent.length = 0;
    // A participant in doubt about a transaction n2 coordinates in term 2 asks both nodes of s1.
    t.protocol.onMessage(t.state.n1, 'n3', { type: 'state-req', txn: 'n2/c9:1:1', toCoordinator: true, coordTerm: 2 }, t.ctx.n1);
    expect(t.pending('state', 'n1', 'n3')).toBe(0); // n1 holds no log of it: it must not presume
    // n2 took s1 over from n1: for n1's transactions of term 1 it answers from the log it took over.
    t.protocol.onMessage(t.state.n2, 'n3', { type: 'state-req', txn: 'n1/c9:1:1', toCoordinator: true, coordTerm: 1 }, t.ctx.n2);
    expect(t.take('state', 'n2', 'n3')).toMatchObject({ state: 'aborted', fromCoordinator: true });
  });
  it('a transaction prepares only the execution its results came from, when the primary changes between its rounds (fuzz seed 20261129, run 5553)', () => {
    const t = cluster();
    const other = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((k) => shardOf(t.state.n3.map, k) === 's2')!;
    t.sent.length = 0;
    // n3 coordinates two appends to s1's key, with a round on s2 (itself) in between.
    t.protocol.onRequest(t.state.n3, { id: 'c1:1:1', client: 'c1', seq: 1, op: { f: 'txn', value: [['append', t.key, 7], ['append', other, 8], ['append', t.key, 9]] } }, t.ctx.n3);
    t.take('exec', 'n3', 'n1'); // lost
    t.tick('n2', 400_000); // n2 takes over s1 in term 2; n1, cut off, still believes it is primary of term 1
    const newMap = t.take('map', 'n2', 'n3'); // late
    t.sent.length = 0;
    // The coordinator's retry reaches both nodes of s1, and both run the first round.
    t.tick('n3', 0);
    t.deliver('exec', 'n3', 'n1');
    t.deliver('exec', 'n3', 'n2');
    t.deliver('exec-ok', 'n2', 'n3');
    t.deliver('exec-ok', 'n1', 'n3'); // a late duplicate of the round: ignored
    t.deliver('exec', 'n3', 'n3');
    t.deliver('exec-ok', 'n3', 'n3');
    // The third round goes where the first ran (n2): n3's map still names n1, which ran it too.
    const third = t.pending('exec', 'n3', 'n1') > 0 ? 'n1' : 'n2';
    t.deliver('exec', 'n3', third);
    t.protocol.onMessage(t.state.n3, 'n2', newMap, t.ctx.n3); // now n3 knows n2 is s1's primary
    t.deliver('exec-ok', third, 'n3');
    t.deliver('prepare', 'n3', 'n2');
    t.deliver('prepare', 'n3', 'n3');
    t.deliver('vote', 'n2', 'n3');
    t.deliver('vote', 'n3', 'n3');
    if (t.pending('decide', 'n3', 'n2') > 0) t.deliver('decide', 'n3', 'n2');
    // Acknowledged, so s1's primary holds both appends (before the fix n2 prepared its own
    // execution of the first round only, and the append of 9, run at n1, was lost).
    expect(t.replies).toEqual([{ id: 'c1:1:1', type: 'ok' }]);
    expect(t.state.n2.data[String(t.key)]).toEqual([7, 9]);
  });

  it('a participant votes no for a prepare that names another node\'s execution, or other rounds than it ran', () => {
    const t = cluster();
    t.sent.length = 0;
    t.protocol.onRequest(t.state.n3, { id: 'c1:1:1', client: 'c1', seq: 1, op: { f: 'txn', value: [['append', t.key, 7]] } }, t.ctx.n3);
    t.deliver('exec', 'n3', 'n1');
    const prepare = { type: 'prepare', txn: 'n3/c1:1:1', participants: ['s1'], executor: 'n2', rounds: 1 } as const;
    t.protocol.onMessage(t.state.n1, 'n3', prepare, t.ctx.n1);
    expect(t.take('vote', 'n1', 'n3')).toMatchObject({ yes: false });
    expect(t.state.n1.txns.size).toBe(0); // aborted: its locks are free
    t.protocol.onRequest(t.state.n3, { id: 'c1:2:1', client: 'c1', seq: 2, op: { f: 'txn', value: [['append', t.key, 8]] } }, t.ctx.n3);
    t.deliver('exec', 'n3', 'n1');
    t.protocol.onMessage(t.state.n1, 'n3', { ...prepare, txn: 'n3/c1:2:1', executor: 'n1', rounds: 2 }, t.ctx.n1);
    expect(t.take('vote', 'n1', 'n3')).toMatchObject({ yes: false });
  });
});
