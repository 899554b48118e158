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
  /**
   * The clock the leader measures TTLs on: `monotonic` (etcd, ZooKeeper: a wall-clock jump does not
   * move a deadline) or `wall` (Redis expires keys by the wall clock, as Redlock's servers do).
   */
  expiryClock: z.enum(['monotonic', 'wall']).default('monotonic'),
});

const OWN_KEYS = new Set(Object.keys(ownSchema.shape));

export interface CoordinationOptions {
  readonly expiryCheckUs: number;
  readonly expiryClock: 'monotonic' | 'wall';
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
  return { ok: true, value: { expiryCheckUs: a.value.expiryCheckUs, expiryClock: a.value.expiryClock, raft: b.value } };
}

export const FLAWS = [
  {
    name: 'follower-reads',
    description: 'Any replica answers lock reads (who holds lock/NAME, who holds a leader key) from its own state, without the Raft read path: a lagging or partitioned follower names a holder whose session has expired, and a holder that renews by reading its lock (renew: read) is never heard by the leader, which expires its session while it believes it holds the lock.',
    breaks: ['clients.mutual-exclusion'],
  },
] as const satisfies readonly FlawInfo[];

/**
 * Unsafe designs `dsim fuzz --protocol coordination --flaws NAME` plants in the deployment it runs
 * (space.ts): they belong to the service's users, not to the service. A scenario writes them where
 * they belong (a store's `fencing: false`, a lock-client flaw, redlock-client groups).
 */
export const DEPLOYMENT_FLAWS = [
  {
    name: 'no-fencing',
    description: 'The resource trusts its clients (store fencing: false): a holder paused past its lease writes after its successor, with the older token.',
    breaks: ['store.fenced-writes'],
  },
  {
    name: 'lease-ignores-drift',
    description: 'Lock clients count on their whole TTL (the lock-client flaw): a holder whose clock runs slower than the service leader\'s believes it holds the lock after the service gave it to another client.',
    breaks: ['clients.mutual-exclusion'],
  },
  {
    name: 'redlock',
    description: 'Redlock: clients take the lock on a majority of independent single-node servers (no consensus) that expire sessions by the wall clock, as Redis does: a server whose clock jumps forward frees the lock early and a second client gathers its own majority.',
    breaks: ['clients.mutual-exclusion'],
  },
] as const satisfies readonly FlawInfo[];
