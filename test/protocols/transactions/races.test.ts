/**
 * Races the fuzzer found or could find, each pinned down handler by handler on two nodes, every
 * message in our hands (delivered, reordered or dropped at will): executions orphaned by their
 * coordinator (an abort that overtakes its execution; an answer after the coordinator gave up),
 * which must not hold locks for a transaction that is over nor touch one that voted; an execution
 * that waited for a lock while its range moved away; and a late acknowledgement of a move the
 * range has since come back from.
 */
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../../src/core/protocol.js';
import { handDriven } from '../../support/hand-driven.js';
import { createTransactions } from '../../../src/protocols/transactions/index.js';
import { parseOptions } from '../../../src/protocols/transactions/options.js';
import { movedMap, shardOf, tokenOf } from '../../../src/protocols/transactions/shard-map.js';
import type { TxDurable, TxMsg, TxState } from '../../../src/protocols/transactions/types.js';

function pair() {
  const parsed = parseOptions({});
  if (!parsed.ok) throw new Error('default options');
  const protocol: Protocol<TxState, TxMsg, TxDurable> = createTransactions(parsed.value, new Set(), 'list-append');
  const { ctx: contexts, sent, replies, advance, take } = handDriven<TxMsg, TxDurable>(['n1', 'n2']);
  const ctx = { n1: contexts['n1']!, n2: contexts['n2']! };
  const state = { n1: protocol.init(ctx.n1, undefined), n2: protocol.init(ctx.n2, undefined) };
  // A key n2 serves, so n1 coordinates and n2 participates.
  const key = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].find((k) => shardOf(state.n1.map, k) === 's2')!;
  const deliver = (type: TxMsg['type'], from: 'n1' | 'n2', to: 'n1' | 'n2'): void => protocol.onMessage(state[to], from, take(type, from, to), ctx[to]);
  const begin = (id = 'c1:1:1', value = 7): void => protocol.onRequest(state.n1, { id, client: id.split(':')[0]!, seq: 1, op: { f: 'txn', value: [['append', key, value]] } }, ctx.n1);
  /** n1's transaction deadline passes: it aborts and tells n2. */
  const coordinatorGivesUp = (): void => {
    advance(parsed.value.txnTimeout);
    protocol.onTimer(state.n1, 'tick', ctx.n1);
  };
  const tick = advance;
  return { protocol, state, ctx, sent, replies, deliver, take, begin, coordinatorGivesUp, tick, key, lockHeld: () => state.n2.locks.get(String(key))?.writer ?? null };
}

describe('transactions: races around executions and moves', () => {
  it('an abort that overtakes its execution is remembered, and the execution is refused without taking a lock', () => {
    const t = pair();
    t.begin();
    t.coordinatorGivesUp();
    expect(t.replies).toEqual([{ id: 'c1:1:1', type: 'fail' }]);
    t.deliver('decide', 'n1', 'n2'); // the abort arrives first
    t.deliver('exec', 'n1', 'n2'); // then the slow execution
    expect(t.state.n2.txns.size).toBe(0);
    expect(t.lockHeld()).toBeNull();
    const refusal = t.take('exec-fail', 'n2', 'n1');
    expect(refusal).toMatchObject({ reason: expect.stringMatching(/already aborted/) });
  });

  it('an execution answered after the coordinator gave up (its abort lost) is abandoned, and the lock freed', () => {
    const t = pair();
    t.begin();
    t.deliver('exec', 'n1', 'n2');
    expect(t.lockHeld()).toBe('n1/c1:1:1');
    t.coordinatorGivesUp();
    t.take('decide', 'n1', 'n2'); // the abort is lost
    t.deliver('exec-ok', 'n2', 'n1'); // the late answer reaches a coordinator that no longer runs it
    t.deliver('abandon', 'n1', 'n2');
    expect(t.state.n2.txns.size).toBe(0);
    expect(t.lockHeld()).toBeNull();
  });

  it('a stale answer does not end a transaction that has voted: only a decision does', () => {
    const t = pair();
    t.begin();
    t.deliver('exec', 'n1', 'n2');
    const answer = t.take('exec-ok', 'n2', 'n1');
    t.protocol.onMessage(t.state.n1, 'n2', answer, t.ctx.n1);
    t.deliver('prepare', 'n1', 'n2');
    expect(t.state.n2.txns.get('n1/c1:1:1')?.status).toBe('prepared');
    // n1 restarts and forgets the undecided transaction; a duplicate of the old answer arrives.
    t.state.n1.coord.clear();
    t.protocol.onMessage(t.state.n1, 'n2', answer, t.ctx.n1);
    t.deliver('abandon', 'n1', 'n2');
    expect(t.state.n2.txns.get('n1/c1:1:1')?.status).toBe('prepared');
    expect(t.lockHeld()).toBe('n1/c1:1:1');
  });

  it('a duplicated client request does not start the transaction twice', () => {
    const t = pair();
    t.begin();
    t.begin();
    expect(t.sent.filter((s) => s.msg.type === 'exec')).toHaveLength(1);
  });

  it('an execution that waited for a lock and resumes after its range moved away is refused, not run on a range this shard lost', () => {
    const t = pair();
    t.begin('c1:1:1', 7); // older: it will wait
    t.tick(1000);
    t.begin('c2:1:1', 8); // younger: it takes the lock first
    const older = t.take('exec', 'n1', 'n2');
    t.deliver('exec', 'n1', 'n2');
    t.protocol.onMessage(t.state.n2, 'n1', older, t.ctx.n2);
    expect(t.lockHeld()).toBe('n1/c2:1:1');
    expect(t.state.n2.txns.get('n1/c1:1:1')?.pending).not.toBeNull();
    // The range is moved to s1 (as n2 sees it once the move is done), then the holder aborts.
    t.state.n2.map = movedMap(t.state.n2.map, tokenOf(t.state.n2.map, t.key), 's1');
    t.protocol.onMessage(t.state.n2, 'n1', { type: 'decide', txn: 'n1/c2:1:1', decision: 'abort' }, t.ctx.n2);
    expect(t.lockHeld()).toBeNull();
    expect(t.state.n2.txns.size).toBe(0);
    t.take('exec-ok', 'n2', 'n1'); // the younger one's answer
    expect(t.take('exec-fail', 'n2', 'n1')).toMatchObject({ txn: 'n1/c1:1:1', reason: expect.stringMatching(/is on s1/) });
  });

  it('a late acknowledgement of a move the range has since come back from does not drop the data that came back', () => {
    const t = pair();
    const k = String(t.key);
    t.state.n2.data = Object.freeze({ [k]: Object.freeze([7]) });
    // n2 moves the range to s1; n1 installs it, and its acknowledgement is lost.
    t.protocol.onCommand!(t.state.n2, { name: 'move', args: { key: t.key, to: 's1' } }, t.ctx.n2);
    t.protocol.onTimer(t.state.n2, 'tick', t.ctx.n2);
    t.deliver('migrate', 'n2', 'n1');
    const lateAck = t.take('migrate-ack', 'n1', 'n2');
    expect(t.state.n1.data[k]).toEqual([7]);
    // n1 moves it back with newer data; n2 installs it and learns that its own move is done.
    t.state.n1.data = Object.freeze({ [k]: Object.freeze([7, 8]) });
    t.protocol.onCommand!(t.state.n1, { name: 'move', args: { key: t.key, to: 's2' } }, t.ctx.n1);
    t.protocol.onTimer(t.state.n1, 'tick', t.ctx.n1);
    t.deliver('migrate', 'n1', 'n2');
    expect(t.state.n2.moving).toBeNull();
    t.protocol.onMessage(t.state.n2, 'n1', lateAck, t.ctx.n2);
    t.protocol.onTimer(t.state.n2, 'tick', t.ctx.n2);
    expect(t.state.n2.data[k]).toEqual([7, 8]);
    expect(shardOf(t.state.n2.map, t.key)).toBe('s2');
  });
});
