/**
 * The hostile-user property: any scenario file a generator can bend out of a valid one — wrong
 * types and sizes, missing and unknown fields, faults at nodes, roles, groups or partitions that do
 * not exist, typos in checks, broken YAML, alias bombs, tags, deep nesting — either loads as a
 * scenario (as `dsim run` loads files) or is refused as bad input: exit 3, a message whose every
 * line names the file, never "internal error", never a bare "Invalid input", never an unbounded
 * echo. In-process and seeded (fast-check seed 19, printed on failure); scripts/audit-inputs.ts
 * runs the same generator through the real CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/cli/load.js';
import { reportError } from '../../src/cli/main.js';
import { protocolRegistry } from '../../src/protocols/index.js';
import { ScenarioError } from '../../src/scenario/index.js';
import { malformedScenario } from '../support/malformed.js';

const protocols = protocolRegistry();
const dir = mkdtempSync(join(tmpdir(), 'dsim-malformed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('malformed scenario files (property)', () => {
  it('load as a scenario or are refused with exit 3, naming the file, with bounded messages', async () => {
    const outcomes = { loaded: 0, refused: 0 };
    const file = join(dir, 'm.yaml');
    await fc.assert(
      fc.asyncProperty(malformedScenario, async ({ text }) => {
        writeFileSync(file, text);
        try {
          await loadScenarioFile(file, protocols);
          outcomes.loaded++;
        } catch (error) {
          outcomes.refused++;
          const printed: string[] = [];
          const code = reportError(error, { out: (t) => void printed.push(t), err: (t) => void printed.push(t) });
          expect(printed.join('\n')).not.toMatch(/internal error/);
          expect(code).toBe(3);
          const text = printed.join('\n');
          // Every issue names the file (a file refused whole, by size or kind, names it once).
          if (error instanceof ScenarioError) for (const line of error.message.split('\n')) expect(line.startsWith(file)).toBe(true);
          else expect(text).toContain(file);
          for (const line of printed) expect(line.length).toBeLessThan(600);
          expect(printed.length).toBeLessThanOrEqual(40);
          expect(text).not.toMatch(/Invalid input(?!:)/);
        }
      }),
      { seed: 19, numRuns: 400 },
    );
    // The generator is a malformed-input generator: most of what it makes must be refused.
    expect(outcomes.refused).toBeGreaterThan(outcomes.loaded);
  });
});
