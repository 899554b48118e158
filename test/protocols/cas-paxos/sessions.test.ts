/**
 * CASPaxos client sessions at the handlers, every message by hand: a copy of a request (the network
 * duplicated it) that gives up for want of a quorum must not answer a definite `fail` when an
 * earlier copy's accept went out from this node, since that accept may be (here: is) chosen.
 * Found by fuzzing (fuzz-cas-paxos-167595763.yaml): the first copy's `info` was lost on the
 * client's link and the second copy's `fail` reached the client, for a write that took effect.
 */
import { describe, expect, it } from 'vitest';
import type { ClientRequest } from '../../../src/core/ops.js';
import { createCasPaxos, definition, type CasPaxosDurable, type CasPaxosMessage, type CasState } from '../../../src/protocols/cas-paxos/index.js';
import { handDriven } from '../../support/hand-driven.js';

const MEMBERS = ['n1', 'n2', 'n3'];

function setup() {
  const parsed = definition.parseOptions({ backoff: false, maxAttempts: 2 });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const protocol = createCasPaxos(parsed.value, new Set());
  const hd = handDriven<CasPaxosMessage, CasPaxosDurable>(MEMBERS);
  const states: Record<string, CasState> = {};
  for (const id of MEMBERS) states[id] = protocol.init(hd.ctx[id]!, undefined);
  /** Hands the oldest message of `type` from `from` to `to` to its receiver. */
  const deliver = (type: CasPaxosMessage['type'], from: string, to: string): void => protocol.onMessage(states[to]!, from, hd.take(type, from, to), hd.ctx[to]!);
  /** The attempt timer of key k fires at `node`. */
  const timeout = (node: string): void => protocol.onTimer(states[node]!, 'attempt:k', hd.ctx[node]!);
  const answer = (id: string): string | undefined => hd.replies.find((r) => r.id === id)?.type;
  return { protocol, hd, states, deliver, timeout, answer };
}

const write = (id: string): ClientRequest => ({ id, client: 'c1', seq: 1, op: { f: 'write', key: 'k', value: 7 } });

describe('cas-paxos client sessions', () => {
  it('a duplicate of a request whose accept this node sent gives up with info, not fail (the write was chosen)', () => {
    const { protocol, hd, states, deliver, timeout, answer } = setup();
    // Two copies of one request reach n1 (distinct ids here, to tell their answers apart).
    protocol.onRequest(states['n1']!, write('copy-1'), hd.ctx['n1']!);
    protocol.onRequest(states['n1']!, write('copy-2'), hd.ctx['n1']!);
    // Copy 1: n2 promises, n1 proposes 7 and n2 votes for it: n1 and n2 are a quorum, 7 is chosen.
    deliver('prepare', 'n1', 'n2');
    deliver('promise', 'n2', 'n1');
    deliver('accept', 'n1', 'n2');
    expect(states['n2']!.registers['k']!.value.data).toBe(7);
    // n2's answer is lost; n1 times out twice and gives up on copy 1: its accept went out, so `info`.
    hd.sent.length = 0;
    timeout('n1');
    timeout('n1');
    expect(answer('copy-1')).toBe('info');
    // Copy 2 runs next and hears nothing: its own attempts never sent an accept, but copy 1's did.
    timeout('n1');
    timeout('n1');
    expect(answer('copy-2')).toBe('info');
  });

  it('a node that restarted still knows which requests it proposed (on disk): a late copy gives up with info', () => {
    const { protocol, hd, states, deliver, timeout, answer } = setup();
    protocol.onRequest(states['n1']!, write('copy-1'), hd.ctx['n1']!);
    deliver('prepare', 'n1', 'n2');
    deliver('promise', 'n2', 'n1');
    deliver('accept', 'n1', 'n2');
    // n1 crashes before hearing the vote, and comes back from its disk.
    states['n1'] = protocol.init(hd.ctx['n1']!, hd.disks['n1']);
    hd.sent.length = 0;
    protocol.onRequest(states['n1']!, write('copy-2'), hd.ctx['n1']!);
    timeout('n1');
    timeout('n1');
    expect(answer('copy-2')).toBe('info');
  });

  it('a request no copy of which was ever proposed gives up with a definite fail, and a late copy of it is refused', () => {
    const { protocol, hd, states, timeout, answer } = setup();
    protocol.onRequest(states['n1']!, write('copy-1'), hd.ctx['n1']!);
    timeout('n1');
    timeout('n1');
    expect(answer('copy-1')).toBe('fail');
    protocol.onRequest(states['n1']!, write('copy-2'), hd.ctx['n1']!);
    expect(answer('copy-2')).toBe('fail');
    expect(hd.sent.filter((s) => s.msg.type === 'accept')).toEqual([]);
  });
});
