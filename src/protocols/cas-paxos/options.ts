/** CASPaxos's scenario options and its named flaws. */
import { z } from 'zod';
import type { FlawInfo } from '../../core/protocol.js';
import { durationUs, zodOptions } from '../common/options.js';

export const optionsSchema = z.strictObject({
  /**
   * The one-round-trip optimization for a stable proposer: each accept carries the prepare of the
   * proposer's next ballot for that key, so its next change on the key skips phase 1 while nobody
   * else touched it.
   */
  oneRoundTrip: z.boolean().default(false),
  /** A proposer that met a higher ballot waits a random time (its window doubling per conflict in a row); off, it retries at once. */
  backoff: z.boolean().default(true),
  backoffMaxUs: durationUs.default(20_000),
  /** An attempt without a quorum's answer by then is retried with a new ballot. */
  attemptTimeoutUs: durationUs.default(200_000),
  /** Attempts per round before the proposer gives up (a write answers `info` if an accept ever went out, else `fail`). */
  maxAttempts: z.number().int().positive().default(8),
  /** Most client requests a node holds waiting; more are refused. */
  maxPendingRequests: z.number().int().positive().default(1000),
});

export type CasPaxosOptions = z.output<typeof optionsSchema>;

export const parseOptions = zodOptions(optionsSchema);

export const FLAWS = [
  {
    name: 'promise-in-memory',
    description: "An acceptor writes a key's promise to disk only with a vote: a restart forgets a promise made in phase 1, and the acceptor can accept a ballot it promised to refuse.",
    breaks: ['promise-monotonicity', 'agreement', 'learner-safety', 'validity', 'linearizable', 'durable'],
  },
  {
    name: 'propose-own-value',
    description:
      "The proposer applies the change to its own acceptor's copy of the register instead of the highest-ballot value the promises report: a change chosen elsewhere is overwritten (a lost update).",
    breaks: ['agreement', 'learner-safety', 'validity', 'linearizable', 'durable'],
  },
  {
    name: 'read-without-completion',
    description:
      'A read returns the highest-ballot value of its phase-1 quorum without the accept round that would complete it: a value accepted by a minority (in flight) is read, then disappears when another proposer overwrites it.',
    breaks: ['learner-safety', 'linearizable'],
  },
] as const satisfies readonly FlawInfo[];

export interface Flaws {
  readonly promiseInMemory: boolean;
  readonly proposeOwnValue: boolean;
  readonly readWithoutCompletion: boolean;
}

export function resolveFlaws(names: ReadonlySet<string>): Flaws {
  for (const name of names) {
    if (!FLAWS.some((f) => f.name === name)) throw new Error(`cas-paxos has no flaw named ${JSON.stringify(name)}; known: ${FLAWS.map((f) => f.name).join(', ')}`);
  }
  return {
    promiseInMemory: names.has('promise-in-memory'),
    proposeOwnValue: names.has('propose-own-value'),
    readWithoutCompletion: names.has('read-without-completion'),
  };
}
