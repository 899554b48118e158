/**
 * The coordination service's options: its own (how often the leader looks for quiet sessions),
 * and Raft's, which replicate it (every Raft option is accepted as is).
 */
import { z } from 'zod';
import type { FlawInfo, OptionsIssue, OptionsResult } from '../../core/protocol.js';
import { parseOptions as parseRaftOptions, type RaftOptions } from '../raft/options.js';
import { positiveDurationUs, zodOptions } from '../common/options.js';

const ownSchema = z.strictObject({
  /** How often the leader looks for sessions that went quiet for their TTL (and proposes to expire them). */
  expiryCheckUs: positiveDurationUs.default(20_000),
});

const OWN_KEYS = new Set(Object.keys(ownSchema.shape));

export interface CoordinationOptions {
  readonly expiryCheckUs: number;
  readonly raft: RaftOptions;
}

const parseOwn = zodOptions(ownSchema);

export function parseOptions(raw: unknown): OptionsResult<CoordinationOptions> {
  const all = (raw ?? {}) as Record<string, unknown>;
  const own: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) (OWN_KEYS.has(k) ? own : rest)[k] = v;
  const a = parseOwn(own);
  const b = parseRaftOptions(rest);
  const issues: OptionsIssue[] = [...(a.ok ? [] : a.issues), ...(b.ok ? [] : b.issues)];
  if (!a.ok || !b.ok) return { ok: false, issues };
  return { ok: true, value: { expiryCheckUs: a.value.expiryCheckUs, raft: b.value } };
}

export const FLAWS = [
  {
    name: 'follower-reads',
    description: 'Any replica answers lock reads (who holds lock/NAME, who holds a leader key) from its own state, without the Raft read path: a lagging or partitioned follower names a holder whose session has expired.',
    breaks: ['linearizable'],
  },
] as const satisfies readonly FlawInfo[];
