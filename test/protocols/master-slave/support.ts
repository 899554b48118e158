/**
 * Runs master-slave scenario files through the real runner. Until the lead registers the protocol
 * and the `linearizable` check globally, this registers both for the tests (only when missing).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { genericChecks } from '../../../src/runner/checks.js';
import { runScenario, type RunResult } from '../../../src/runner/run.js';
import { parseScenarioText, type Scenario } from '../../../src/scenario/index.js';
import { checkLinearizability } from '../../../src/checkers/linearizability/index.js';
import { models } from '../../../src/checkers/models/index.js';
import { protocolRegistry } from '../../../src/protocols/index.js';
import { definition } from '../../../src/protocols/master-slave/index.js';
import type { ProtocolDefinition } from '../../../src/core/protocol.js';

export const SCENARIO_DIR = join(import.meta.dirname, '../../../scenarios/master-slave');

if (!genericChecks.has('linearizable')) {
  genericChecks.set('linearizable', {
    description: 'the client history is linearizable (test shim)',
    run: (input) => {
      const model = models[input.model];
      if (model === undefined) return { verdict: 'unknown', detail: `no model ${input.model}` };
      const result = checkLinearizability(input.ops, model, { maxSteps: 50_000_000 });
      switch (result.kind) {
        case 'linearizable':
          return { verdict: 'pass', detail: `${result.stats.operations} ops linearizable` };
        case 'not-linearizable':
          return { verdict: 'fail', detail: `not linearizable (key ${result.evidence[0]?.key ?? '?'})`, evidence: result.evidence };
        case 'unknown':
          return { verdict: 'unknown', detail: result.reason };
      }
    },
  });
}

const protocols = protocolRegistry();
if (!protocols.has(definition.name)) protocols.set(definition.name, definition as ProtocolDefinition);

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
