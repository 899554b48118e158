/**
 * Contexts for driving a protocol's handlers by hand, every message in the test's hands: sends,
 * replies and persists are recorded, timers are not armed (the test calls onTimer), and the clock
 * moves only when the test says. `take` removes the oldest message of a type on one link, failing
 * the test with what is in the air when there is none.
 */
import { expect } from 'vitest';
import type { NodeContext } from '../../src/core/protocol.js';

export interface HandDriven<M extends { readonly type: string }, D> {
  readonly ctx: Readonly<Record<string, NodeContext<M, D>>>;
  readonly sent: Array<{ readonly from: string; readonly to: string; readonly msg: M }>;
  readonly replies: Array<{ readonly id: string; readonly type: string }>;
  /** The last value each node persisted. */
  readonly disks: Partial<Record<string, D>>;
  advance(us: number): void;
  take(type: M['type'], from: string, to: string): M;
}

export function handDriven<M extends { readonly type: string }, D>(members: readonly string[]): HandDriven<M, D> {
  const sent: HandDriven<M, D>['sent'] = [];
  const replies: HandDriven<M, D>['replies'] = [];
  const disks: Partial<Record<string, D>> = {};
  let nowUs = 0;
  const ctxOf = (self: string): NodeContext<M, D> => ({
    self,
    peers: members.filter((m) => m !== self),
    members,
    now: () => nowUs,
    monotonic: () => nowUs,
    random: () => 0.5,
    send: (to, msg) => sent.push({ from: self, to, msg }),
    setTimer: () => undefined,
    cancelTimer: () => undefined,
    persist: (d) => (disks[self] = d),
    reply: (id, result) => replies.push({ id, type: result.type }),
    note: () => undefined,
  });
  return {
    ctx: Object.fromEntries(members.map((m) => [m, ctxOf(m)])),
    sent,
    replies,
    disks,
    advance: (us) => void (nowUs += us),
    take(type, from, to) {
      const i = sent.findIndex((s) => s.msg.type === type && s.from === from && s.to === to);
      expect(i, `a ${type} from ${from} to ${to} in ${JSON.stringify(sent.map((s) => `${s.msg.type} ${s.from}->${s.to}`))}`).toBeGreaterThanOrEqual(0);
      return sent.splice(i, 1)[0]!.msg;
    },
  };
}
