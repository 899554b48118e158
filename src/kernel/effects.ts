/**
 * The effects of the step in progress, buffered by the node's context while its handler runs and
 * applied by the kernel after it returns (persist, sends, timers, replies, in that order). One
 * buffer, reused: a step never nests. Counts say how much of each array is live: resetting a
 * count is cheaper than truncating an array.
 */
import type { OpResult } from '../core/ops.js';
import type { NodeSlot } from './node-slot.js';

/** A buffered timer change that cancels rather than arms. */
export const TIMER_CANCEL = -1;

export class StepEffects {
  /** The node whose handler runs (effects may be buffered only by its context); undefined between steps. */
  current: NodeSlot | undefined = undefined;
  persistPending = false;
  persistValue: unknown = undefined;
  sendCount = 0;
  readonly sendTo: number[] = [];
  readonly sendMsg: unknown[] = [];
  timerCount = 0;
  readonly timerNames: string[] = [];
  /** The delay of each buffered timer change, or TIMER_CANCEL. */
  readonly timerAfterUs: number[] = [];
  replyCount = 0;
  readonly replyIds: string[] = [];
  readonly replyResults: Array<OpResult | undefined> = [];

  /** Drops every buffered effect (and lets go of the values they held). */
  clear(): void {
    this.persistPending = false;
    this.persistValue = undefined;
    for (let i = 0; i < this.sendCount; i++) this.sendMsg[i] = undefined;
    for (let i = 0; i < this.replyCount; i++) this.replyResults[i] = undefined;
    this.sendCount = 0;
    this.timerCount = 0;
    this.replyCount = 0;
  }
}
