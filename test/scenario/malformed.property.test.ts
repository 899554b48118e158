/**
 * The hostile-user property: any scenario text a generator can bend out of a valid one — wrong
 * types and sizes, missing and unknown fields, faults at nodes, roles or partitions that do not
 * exist, typos in checks, broken YAML, alias bombs, tags, deep nesting — either loads as a scenario
 * or is refused with a ScenarioError whose every line names the file. Never another exception
 * (the CLI would print "internal error"), never a bare "Invalid input", never an unbounded echo.
 * In-process and seeded; scripts/audit-inputs.ts runs the same generator through the real CLI.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import { validateWithProtocol } from '../../src/runner/validate.js';
import { ScenarioError, parseScenarioText } from '../../src/scenario/index.js';
import { malformedScenario } from '../support/malformed.js';

const protocols = protocolRegistry();

describe('malformed scenario files (property)', () => {
  it('load as a scenario or fail as a ScenarioError naming the file, with bounded messages', () => {
    const outcomes = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(malformedScenario, ({ text }) => {
        try {
          parseScenarioText(text, 'm.yaml', { protocols, validate: validateWithProtocol });
          outcomes.loaded++;
        } catch (error) {
          if (!(error instanceof ScenarioError)) throw new Error(`not a ScenarioError: ${error instanceof Error ? error.stack : String(error)}`);
          outcomes.refused++;
          for (const line of error.message.split('\n')) {
            expect(line).toMatch(/^m\.yaml(:\d+:\d+)?: \S/);
            expect(line.length).toBeLessThan(600);
          }
          expect(error.message).not.toMatch(/Invalid input(?!:)/);
        }
      }),
      { seed: 19, numRuns: 400 },
    );
    // The generator is a malformed-input generator: most of what it makes must be refused.
    expect(outcomes.refused).toBeGreaterThan(outcomes.loaded);
  });
});
