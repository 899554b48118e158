/** Runs master-slave scenario files through the real runner. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario, type RunResult } from '../../../src/runner/run.js';
import { parseScenarioText, type Scenario } from '../../../src/scenario/index.js';
import { protocolRegistry } from '../../../src/protocols/index.js';

export const SCENARIO_DIR = join(import.meta.dirname, '../../../scenarios/master-slave');

const protocols = protocolRegistry();

export function parseScenario(text: string, file = '<inline>'): Scenario {
  return parseScenarioText(text, file, { protocols });
}

export function loadScenario(name: string): Scenario {
  const file = join(SCENARIO_DIR, name);
  return parseScenario(readFileSync(file, 'utf8'), file);
}

export function scenarioFiles(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

export function run(name: string, seed?: number): RunResult {
  return runScenario(loadScenario(name), seed === undefined ? {} : { seed });
}

export function verdicts(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.checks.map((c) => [c.name, c.verdict]));
}
