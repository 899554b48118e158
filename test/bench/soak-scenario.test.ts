import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../../src/scenario/index.js';
import { run } from '../support/runs.js';

const generate = (hours: string) => execFileSync(process.execPath, ['scripts/soak-scenario.mjs', '--hours', hours], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('scripts/soak-scenario.mjs', () => {
  it('writes a scenario that loads and holds: a fault a minute, every check on', () => {
    const scenario = parseScenarioText(generate('0.05'), 'soak.yaml');
    expect(scenario.durationUs).toBe(180_000_000);
    expect(scenario.faults.length).toBeGreaterThanOrEqual(2);
    const result = run(scenario);
    expect(result.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.name}: ${c.detail}`)).toEqual([]);
  });

  it('refuses a duration that is not a positive number', () => {
    expect(() => generate('soon')).toThrow(/usage: node scripts\/soak-scenario.mjs --hours H/);
  });
});
