import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { it } from 'vitest';
import { catchFlaw } from '../support/runs.js';
const cases = JSON.parse(process.env['FLAWCASES'] ?? '[]') as Array<[string, string, number]>;
it('flaw seeds', () => {
  for (const [file, flaw, max] of cases) {
    const raw = { ...(parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>), checks: ['linearizable', 'durable', 'liveness', 'invariants'] };
    const r = catchFlaw(raw, flaw, max);
    console.log(`${file} ${flaw}: caught at ${r.caughtAt}; correct failures ${r.correctFailures.length} ${r.correctFailures.slice(0, 2).join(' | ')}`);
  }
}, 600_000);
