/** Runs scenarios (objects or files) through the real runner, for the protocol tests. */
import { readFileSync } from 'node:fs';
import type { ProtocolDefinition } from '../../src/core/protocol.js';
import { protocolRegistry } from '../../src/protocols/index.js';
import { runScenario, type RunResult } from '../../src/runner/index.js';
import { parseScenarioText, resolveScenario, type Scenario } from '../../src/scenario/index.js';

export const protocols = protocolRegistry();


/** A scenario from a plain object (the YAML shape), `protocol: raft` unless it says. */
export function scenario(raw: Record<string, unknown>): Scenario {
  return resolveScenario({ protocol: 'raft', name: `${String(raw['protocol'] ?? 'raft')}-test`, ...raw }, '<test>', { protocols });
}

export function scenarioFile(path: string): Scenario {
  return parseScenarioText(readFileSync(path, 'utf8'), path, { protocols });
}

export function run(s: Scenario, seed?: number): RunResult {
  return runScenario(s, seed === undefined ? {} : { seed });
}

/**
 * The first invariant a mutant protocol breaks on seeds 1..seeds of `raw` (the mutant runs under
 * its own name beside the registry's protocols), or undefined when it breaks none.
 */
export function firstInvariant(def: ProtocolDefinition<unknown>, raw: Record<string, unknown>, seeds: number): string | undefined {
  const mine = new Map<string, ProtocolDefinition<unknown>>(protocols).set(def.name, def);
  for (let seed = 1; seed <= seeds; seed++) {
    const found = run(resolveScenario({ ...raw, protocol: def.name }, '<mutant>', { protocols: mine }), seed).findings.find((f) => f.kind === 'invariant');
    if (found !== undefined) return found.name;
  }
  return undefined;
}

/** check name -> verdict, for compact assertions. */
export function verdicts(result: RunResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of result.checks) out[c.name] = c.verdict;
  return out;
}

/** A one-line account of a run for failure messages. */
export function describe(result: RunResult): string {
  const failed = result.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.name}: ${c.detail}`);
  return `seed ${result.seed}: ${JSON.stringify(result.ops)}; ${failed.join(' | ') || 'all checks pass'}`;
}

/**
 * Runs `raw` with `flaw` on seeds 1..maxSeeds until a check fails; the correct protocol must pass
 * every seed tried.
 */
export function catchFlaw(raw: Record<string, unknown>, flaw: string, maxSeeds: number): { caughtAt: number | undefined; correctFailures: string[] } {
  const flawed = scenario({ ...raw, flaws: [flaw], expect: 'pass' });
  const correct = scenario({ ...raw, flaws: [], expect: 'pass' });
  let caughtAt: number | undefined;
  const correctFailures: string[] = [];
  for (let seed = 1; seed <= maxSeeds && caughtAt === undefined; seed++) {
    if (run(flawed, seed).expectation === 'broken') caughtAt = seed;
    const ok = run(correct, seed);
    if (ok.expectation !== 'held') correctFailures.push(describe(ok));
  }
  return { caughtAt, correctFailures };
}
