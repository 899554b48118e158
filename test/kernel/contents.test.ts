/**
 * The trace hash covers what happened, not just when: message payloads, reply values and persisted
 * data. And what a protocol hands the kernel — a cycle, a reply that is no OpResult, a value whose
 * toString throws — is a finding naming the node and the event, never a crash of the kernel.
 */
import { describe, expect, it } from 'vitest';
import type { Protocol } from '../../src/core/protocol.js';
import { ValueHasher } from '../../src/trace/hash.js';
import { makeSim } from '../support/sim.js';

/** n1 sends `payload()` to n2 on boot and persists `durable()`; n2 persists what it got. */
function carrier(payload: () => unknown, durable: () => unknown = () => ({ n: 1 })): Protocol<object, unknown, unknown> {
  return {
    name: 'carrier',
    init(ctx) {
      if (ctx.self === 'n1') {
        ctx.send('n2', payload());
        ctx.persist(durable());
      }
      return {};
    },
    onMessage(_state, _from, msg, ctx) {
      ctx.persist({ got: msg });
    },
    onTimer() {},
    onRequest() {},
  };
}

function hashOf(protocol: Protocol<object, unknown, unknown>, end = 1_000_000): { hash: string; findings: ReturnType<typeof makeSim>['sim']['findings'] } {
  const { sim } = makeSim({ protocol, nodes: 2 });
  sim.start();
  sim.run(end);
  return { hash: sim.traceHash, findings: sim.findings };
}

describe('trace hash: contents', () => {
  it('differs when only a message payload differs, deep inside', () => {
    const a = hashOf(carrier(() => ({ type: 'x', body: { list: [1, 2, { v: 'a' }] } })));
    const b = hashOf(carrier(() => ({ type: 'x', body: { list: [1, 2, { v: 'b' }] } })));
    const again = hashOf(carrier(() => ({ type: 'x', body: { list: [1, 2, { v: 'a' }] } })));
    expect(a.hash).not.toBe(b.hash);
    expect(a.hash).toBe(again.hash);
  });

  it('differs when only persisted data differs (read back at the end)', () => {
    expect(hashOf(carrier(() => ({ type: 'x' }), () => ({ n: 1 }))).hash).not.toBe(hashOf(carrier(() => ({ type: 'x' }), () => ({ n: 2 }))).hash);
  });

  it('differs when only a reply value differs', () => {
    const replier = (value: unknown): Protocol<object, unknown, unknown> => ({
      name: 'replier',
      init: () => ({}),
      onMessage() {},
      onTimer() {},
      onRequest(_state, request, ctx) {
        ctx.reply(request.id, { type: 'ok', value });
      },
    });
    const run = (value: unknown): string => {
      const { sim } = makeSim({ protocol: replier(value), nodes: 1 });
      const endpoint = sim.addProcess('c1', 'n1', { onReply() {} });
      sim.start();
      sim.sendRequest(endpoint, 'n1', { id: 'r1', client: 'c1', seq: 1, op: { f: 'read', key: 'k', value: null } });
      sim.run(100_000);
      return sim.traceHash;
    };
    expect(run(0.25)).not.toBe(run(0.5));
    expect(run(0.25)).toBe(run(0.25));
  });

  it('takes BigInts, Maps, Sets, functions and symbols without throwing', () => {
    const r = hashOf(carrier(() => ({ type: 'x', big: 10n ** 30n, m: new Map([[1, new Set(['a'])]]), f() {}, s: Symbol('s') })));
    expect(r.findings).toEqual([]);
    expect(hashOf(carrier(() => ({ type: 'x', big: 10n ** 30n }))).hash).not.toBe(hashOf(carrier(() => ({ type: 'x', big: 10n ** 31n }))).hash);
  });

  it('a frozen value hashes the same as an equal unfrozen one, and is remembered', () => {
    const hasher = (): ValueHasher => new ValueHasher(200, () => new Error('too deep'));
    const big = { entries: Array.from({ length: 20 }, (_, i) => ({ i })) };
    const frozen = Object.freeze({ entries: Object.freeze(big.entries.map((e) => Object.freeze({ ...e }))) });
    const h = hasher();
    expect(h.hash({ wrap: frozen })).toBe(hasher().hash({ wrap: big }));
    expect(h.hash({ wrap: frozen })).toBe(h.hash({ wrap: big }));
    expect(hasher().hash([1, 'a', null, undefined, true, 1.5])).not.toBe(hasher().hash([1, 'a', null, undefined, false, 1.5]));
  });
});

describe('what a protocol hands the kernel', () => {
  it('a persisted cycle is an invalid-effect finding naming the node, the event and the cycle', () => {
    const r = hashOf(
      carrier(
        () => ({ type: 'x' }),
        () => {
          const d: Record<string, unknown> = { a: 1 };
          d.self = d;
          return d;
        },
      ),
    );
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ kind: 'invalid-effect', node: 'n1', event: 'init (first boot)', seed: '1' });
    expect(r.findings[0]!.message).toContain('a cycle at .self');
  });

  it('a message that contains itself is an invalid-effect finding', () => {
    const r = hashOf(
      carrier(() => {
        const m: Record<string, unknown> = { type: 'loop' };
        m.next = { back: m };
        return m;
      }),
    );
    expect(r.findings[0]).toMatchObject({ kind: 'invalid-effect', node: 'n1' });
    expect(r.findings[0]!.message).toContain('a cycle at .next.back');
  });

  it('hostile throws are described, never rethrown: toString that throws, no prototype, throwing getters, huge messages', () => {
    class Nasty extends Error {
      override get message(): string {
        throw new Error('no');
      }
    }
    const throwing = (value: () => unknown): Protocol<object, unknown, unknown> => ({
      name: 'thrower',
      init() {
        throw value();
      },
      onMessage() {},
      onTimer() {},
      onRequest() {},
    });
    const cases: Array<[() => unknown, RegExp]> = [
      [() => ({ toString: () => { throw new Error('no'); } }), /cannot be shown|non-Error/],
      [() => Object.create(null), /non-Error value: \(a object that cannot be shown\)/],
      [() => new Nasty(), /message could not be read/],
      [() => new Error('x'.repeat(5_000_000)), /5,000,007 characters/],
      [() => 42n, /non-Error value: 42/],
    ];
    for (const [value, pattern] of cases) {
      const r = hashOf(throwing(value));
      expect(r.findings[0]).toMatchObject({ kind: 'handler-threw', node: 'n1', event: 'init (first boot)' });
      expect(r.findings[0]!.message).toMatch(pattern);
      expect(r.findings[0]!.message.length).toBeLessThan(2_100);
    }
  });

  it('a reply that is no OpResult, and a timer named by a non-string, are thrown back at the handler', () => {
    const bad = (act: (ctx: Parameters<Protocol<object, unknown>['init']>[0], id: string) => void): Protocol<object, unknown, unknown> => ({
      name: 'bad',
      init: () => ({}),
      onMessage() {},
      onTimer() {},
      onRequest(_s, request, ctx) {
        act(ctx, request.id);
      },
    });
    for (const act of [
      (ctx: Parameters<Protocol<object, unknown>['init']>[0], id: string) => ctx.reply(id, undefined as never),
      (ctx: Parameters<Protocol<object, unknown>['init']>[0], id: string) => ctx.reply(id, { type: 'yes' } as never),
      (ctx: Parameters<Protocol<object, unknown>['init']>[0]) => ctx.setTimer(Symbol('t') as never, 5),
    ]) {
      const { sim } = makeSim({ protocol: bad(act), nodes: 1 });
      const endpoint = sim.addProcess('c1', 'n1', { onReply() {} });
      sim.start();
      sim.sendRequest(endpoint, 'n1', { id: 'r1', client: 'c1', seq: 1, op: { f: 'read', key: 'k', value: null } });
      sim.run(100_000);
      expect(sim.findings[0]).toMatchObject({ kind: 'handler-threw', node: 'n1', event: 'request read from c1' });
    }
  });

  it("an invariant whose monitor() throws is that invariant's failure, not a crash", () => {
    const protocol: Protocol<object, unknown> = {
      ...carrier(() => ({ type: 'x' })),
      invariants: [{ name: 'factory', monitor: () => { throw new Error('no monitor'); } }],
    } as Protocol<object, unknown>;
    const r = hashOf(protocol as Protocol<object, unknown, unknown>);
    expect(r.findings[0]).toMatchObject({ kind: 'invariant', name: 'factory' });
    expect(r.findings[0]!.message).toContain('no monitor');
  });
});
