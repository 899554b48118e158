/**
 * Classic master-slave mistakes, as small patches of the real protocol, caught at the step by the
 * invariants that judge positions against what nodes hold (confirmed-held, epochs-only-grow).
 */
import { describe, expect, it } from 'vitest';
import type { NodeContext, ProtocolDefinition } from '../../../src/core/protocol.js';
import { definition } from '../../../src/protocols/master-slave/index.js';
import type { MsDurable, MsMsg, MsState } from '../../../src/protocols/master-slave/types.js';
import { firstInvariant } from '../../support/runs.js';

type Ctx = NodeContext<MsMsg, MsDurable>;

/** The real protocol with one handler's context patched. */
function patched(name: string, patch: (ctx: Ctx, state: MsState, msg: MsMsg) => Ctx): ProtocolDefinition<unknown> {
  return {
    ...(definition as ProtocolDefinition<unknown>),
    name,
    create(config) {
      const ms = definition.create(config as Parameters<typeof definition.create>[0]);
      return { ...ms, onMessage: (state: MsState, from: string, msg: MsMsg, ctx: Ctx) => ms.onMessage(state, from, msg, patch(ctx, state, msg)) };
    },
  };
}

/** A replica that confirms what the primary says it has, not what it verified. */
const acksPrimaryLastSeq = patched('ms-acks-primary-last-seq', (ctx, _state, msg) =>
  msg.type !== 'append' ? ctx : { ...ctx, send: (to, m) => ctx.send(to, m.type === 'ack' ? { ...m, matchSeq: Math.max(m.matchSeq, msg.primaryLastSeq) } : m) },
);

/** A voter that grants a vote without persisting it (the ballot lives in memory). */
const voteInMemory = patched('ms-vote-in-memory', (ctx, _state, msg) => (msg.type !== 'vote-request' ? ctx : { ...ctx, persist: () => {} }));

describe('master-slave mutants caught at the step', () => {
  it('a replica that acknowledges the primary\'s last seq instead of what it verified breaks confirmed-held', () => {
    const raw = {
      options: { maxBatch: 4 },
      nodes: 3,
      duration: '2s',
      workload: { model: 'kv', clients: 3, keys: 2, rate: '100/s' },
      faults: [{ at: '500ms', partition: 'one-way', from: ['n1'], to: ['n3'], for: '500ms' }],
      checks: ['invariants'],
      limits: { events: 200_000 },
    };
    expect(firstInvariant(acksPrimaryLastSeq, raw, 5)).toBe('confirmed-held');
  });

  it('a vote kept only in memory breaks epochs-only-grow when the voter restarts', () => {
    const raw = {
      options: { failover: 'automatic', failureTimeout: '150ms' },
      nodes: 3,
      duration: '3s',
      workload: { model: 'kv', clients: 2, keys: 1, rate: '50/s' },
      faults: [
        { at: '0s', on: { send: 'vote' }, crash: 'trigger', for: '20ms', times: 5 },
        { at: '500ms', crash: 'primary', for: '1s' },
      ],
      checks: ['invariants'],
      limits: { events: 200_000 },
    };
    expect(firstInvariant(voteInMemory, raw, 8)).toBe('epochs-only-grow');
  });
});
