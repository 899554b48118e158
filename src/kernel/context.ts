/**
 * The `NodeContext` a node's handlers get: its identity and peers, its clocks and random stream,
 * and methods that buffer effects into the kernel's StepEffects (applied after the handler
 * returns). A context is valid only during its own node's step: anything else is the protocol's
 * bug, thrown where it happens.
 */
import type { NodeId } from '../core/ids.js';
import type { NodeContext } from '../core/protocol.js';
import { TIMER_CANCEL, type StepEffects } from './effects.js';
import type { NodeSlot } from './node-slot.js';

const REPLY_TYPES: ReadonlySet<string> = new Set(['ok', 'fail', 'info', 'redirect']);

/** What a context needs from the kernel. */
export interface ContextHost {
  readonly effects: StepEffects;
  readonly indexOf: ReadonlyMap<NodeId, number>;
  /** The initial membership, in order. */
  readonly members: readonly NodeId[];
  /** The node's clock reading now. */
  localTime(slot: NodeSlot): number;
  /** The node's monotonic clock reading now. */
  monotonicTime(slot: NodeSlot): number;
  /** `ctx.note`: a protocol moment for observers and the trace. */
  note(slot: NodeSlot, event: string, data: unknown): void;
}

export function makeNodeContext(slot: NodeSlot, host: ContextHost): NodeContext<unknown, unknown> {
  const effects = host.effects;
  const indexOf = host.indexOf;
  const peers = host.members.filter((m) => m !== slot.id);
  const members = [...host.members];
  const guard = (what: string): void => {
    if (effects.current !== slot) throw new Error(`ctx.${what} called outside this node's handler`);
  };
  return {
    self: slot.id,
    peers,
    members,
    now: () => host.localTime(slot),
    monotonic: () => host.monotonicTime(slot),
    random: () => slot.rng.next(),
    send(to, msg) {
      guard('send');
      const index = indexOf.get(to);
      if (index === undefined) throw new Error(`send to unknown node ${String(to)}`);
      const n = effects.sendCount++;
      effects.sendTo[n] = index;
      effects.sendMsg[n] = msg;
    },
    setTimer(name, afterUs) {
      guard('setTimer');
      if (typeof name !== 'string') throw new Error(`setTimer: the timer name must be a string, got a ${typeof name}`);
      if (!(afterUs >= 0) || !Number.isFinite(afterUs)) throw new Error(`setTimer(${name}, ${afterUs}): the delay must be a finite number >= 0`);
      const n = effects.timerCount++;
      effects.timerNames[n] = name;
      effects.timerAfterUs[n] = afterUs;
    },
    cancelTimer(name) {
      guard('cancelTimer');
      if (typeof name !== 'string') throw new Error(`cancelTimer: the timer name must be a string, got a ${typeof name}`);
      const n = effects.timerCount++;
      effects.timerNames[n] = name;
      effects.timerAfterUs[n] = TIMER_CANCEL;
    },
    persist(durable) {
      guard('persist');
      effects.persistPending = true;
      effects.persistValue = durable;
    },
    reply(requestId, result) {
      guard('reply');
      if (typeof result !== 'object' || result === null || !REPLY_TYPES.has((result as { type?: unknown }).type as string)) {
        throw new Error(`ctx.reply(${String(requestId)}, ...): the result must be an OpResult: { type: 'ok' | 'fail' | 'info' | 'redirect', ... }`);
      }
      const n = effects.replyCount++;
      effects.replyIds[n] = requestId;
      effects.replyResults[n] = result;
    },
    note(event, data) {
      host.note(slot, event, data);
    },
  };
}
