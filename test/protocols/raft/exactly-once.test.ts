/**
 * Exactly-once through increments: clients resend timed-out adds (same seq, another node) over
 * lossy, duplicating client links. Raft's client sessions apply each add once; a mutant whose
 * client library opens a new session for every attempt (each attempt a new client name) counts
 * resent adds twice, and `exactly-once` says so where a register would show nothing.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ClientRequest } from '../../../src/core/ops.js';
import type { ProtocolDefinition } from '../../../src/core/protocol.js';
import { definition, type RaftState } from '../../../src/protocols/raft/index.js';
import { resolveScenario } from '../../../src/scenario/index.js';
import { protocols, run, scenarioFile, verdicts } from '../../support/runs.js';

const FILE = 'scenarios/raft/counter-resent-commands.yaml';

/** Raft behind a client library that does not keep its session across attempts (a mutant). */
const sessionPerAttempt: ProtocolDefinition<unknown> = {
  ...(definition as ProtocolDefinition<unknown>),
  name: 'raft-session-per-attempt',
  create(config) {
    const raft = definition.create(config as Parameters<typeof definition.create>[0]);
    return {
      ...raft,
      onRequest(state: RaftState, req: ClientRequest, ctx) {
        raft.onRequest(state, { ...req, client: `${req.client}/${req.id}` }, ctx);
      },
    };
  },
};

describe('exactly-once (raft counter, resent commands)', () => {
  it('sessions apply every resent add once: the scenario holds, with resends and duplicated requests', () => {
    const result = run(scenarioFile(FILE));
    expect(result.ops.resent).toBeGreaterThan(0);
    expect(result.messages.messagesDuplicated).toBeGreaterThan(0);
    expect(verdicts(result)).toMatchObject({ linearizable: 'pass', 'exactly-once': 'pass', liveness: 'pass' });
    expect(result.expectation).toBe('held');
  });

  it('a session per attempt counts resent adds twice: exactly-once fails', () => {
    const mutant = new Map<string, ProtocolDefinition<unknown>>(protocols).set(sessionPerAttempt.name, sessionPerAttempt);
    const raw = { ...(parse(readFileSync(FILE, 'utf8')) as Record<string, unknown>), protocol: sessionPerAttempt.name };
    let detail: string | undefined;
    for (let seed = 1; seed <= 5 && detail === undefined; seed++) {
      const check = run(resolveScenario(raw, '<mutant>', { protocols: mutant }), seed).checks.find((c) => c.name === 'exactly-once');
      if (check?.verdict === 'fail') detail = check.detail;
    }
    expect(detail).toMatch(/an add took effect twice/);
  });
});
