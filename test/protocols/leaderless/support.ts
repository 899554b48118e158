/**
 * Runs leaderless and multi-leader scenario files through the real runner, registering both
 * protocols for the tests when the global registry does not list them yet.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProtocolDefinition } from '../../../src/core/protocol.js';
import { protocolRegistry } from '../../../src/protocols/index.js';
import { definition as leaderless } from '../../../src/protocols/leaderless/index.js';
import { definition as multiLeader } from '../../../src/protocols/multi-leader/index.js';
import { runScenario, type RunResult } from '../../../src/runner/run.js';
import { parseScenarioText, type Scenario } from '../../../src/scenario/index.js';

const protocols = protocolRegistry();
for (const d of [leaderless, multiLeader] as ProtocolDefinition[]) if (!protocols.has(d.name)) protocols.set(d.name, d);

export const SCENARIO_ROOT = join(import.meta.dirname, '../../../scenarios');

export function parseScenario(text: string, file = '<inline>'): Scenario {
  return parseScenarioText(text, file, { protocols });
}

export function loadScenario(path: string): Scenario {
  const file = join(SCENARIO_ROOT, path);
  return parseScenario(readFileSync(file, 'utf8'), file);
}

export function scenarioFiles(folder: string): string[] {
  return readdirSync(join(SCENARIO_ROOT, folder))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => `${folder}/${f}`);
}

export function run(path: string, seed?: number): RunResult {
  return runScenario(loadScenario(path), seed === undefined ? {} : { seed });
}

export function verdicts(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.checks.map((c) => [c.name, c.verdict]));
}
