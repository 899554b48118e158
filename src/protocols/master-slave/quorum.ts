/** Majorities over the initial membership (elections and read leases). */
import type { Ctx } from './types.js';

export function majorityOf(ctx: Ctx): number {
  return Math.floor(ctx.members.length / 2) + 1;
}
