import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScenarioError, parseScenarioText, resolveScenario, expandFaults } from '../../src/scenario/index.js';
import { scenarioSchema } from '../../src/scenario/schema.js';
import { scenarioJsonSchema } from '../../src/scenario/json-schema.js';

const valid = {
  name: 'ok',
  protocol: 'broadcast',
  nodes: 3,
  duration: '2s',
  network: { latency: { dist: 'uniform', min: '1ms', max: '3ms' }, loss: 0.1 },
  workload: { model: 'broadcast', clients: 2, rate: '50/s' },
  faults: [{ at: '1s', crash: 'n2', for: '500ms' }],
  checks: ['broadcast-delivered'],
};

function errorOf(raw: unknown): ScenarioError {
  try {
    resolveScenario(raw, 'bad.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error;
    throw error;
  }
  throw new Error('expected a ScenarioError');
}

describe('scenario files', () => {
  it('resolves human units and defaults', () => {
    const s = resolveScenario(valid, 'ok.yaml');
    expect(s.durationUs).toBe(2_000_000);
    expect(s.network.latency).toEqual({ dist: 'uniform', minUs: 1000, maxUs: 3000 });
    expect(s.workload.ratePerSecond).toBe(50);
    expect(s.workload.timeoutUs).toBe(1_000_000);
    expect(s.heal).toEqual({ quiesceUs: 5_000_000, restart: true });
    expect(s.faults.map((f) => [f.atUs, f.action.kind])).toEqual([
      [1_000_000, 'crash'],
      [1_500_000, 'restart'],
    ]);
  });

  it('names the file, the field path and what was expected', () => {
    const e = errorOf({ ...valid, faults: [{ at: '1s', crash: 'n2' }, { at: 'soon', crash: 'n1' }] });
    expect(e.message).toBe('bad.yaml: faults[1].at: expected a duration such as 150ms, 2s, 1m or 250us, got "soon"');
    expect(errorOf({ ...valid, nodes: 'five' }).message).toContain('bad.yaml: nodes: expected a number, got "five"');
    expect(errorOf({ ...valid, protocol: 'nope' }).message).toMatch(/bad.yaml: protocol: unknown protocol "nope"; expected one of .*broadcast/);
    expect(errorOf({ ...valid, colour: 'red' }).message).toContain('unknown field colour');
    expect(errorOf({ ...valid, options: { gossipIntervalUs: -1 } }).message).toContain('bad.yaml: options.gossipIntervalUs:');
    expect(errorOf({ ...valid, flaws: ['made-up'] }).message).toContain('bad.yaml: flaws[0]: unknown flaw "made-up"');
    expect(errorOf({ ...valid, faults: [{ at: '1s' }] }).message).toContain('faults[0]: expected one action');
    expect(errorOf({ ...valid, faults: [{ at: '1s', crash: 'n1', pause: 'n2' }] }).message).toContain('expected exactly one action, got crash and pause');
    expect(errorOf({ ...valid, faults: [{ at: '1s', partition: 'split', groups: [['n1'], ['n9']] }] }).message).toContain('faults[0].groups: node n9 does not exist');
    expect(errorOf({ ...valid, workload: { model: 'kv' } }).message).toContain('workload.model: broadcast serves broadcast, not kv');
  });

  it('reports YAML syntax errors with the line', () => {
    expect(() => parseScenarioText('name: x\nprotocol: [unclosed\n', 'broken.yaml')).toThrow(/broken.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('exports a JSON Schema for editors', () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, unknown> };
    expect(schema.properties).toHaveProperty('faults');
    expect(schema.properties).toHaveProperty('network');
    // protocol, or groups of services each with its own
    expect(schema.properties).toHaveProperty('protocol');
    expect(schema.properties).toHaveProperty('groups');
  });

  it('expands `for:` into the fault and its undo, ordered by time', () => {
    const parsed = scenarioSchema.parse({ protocol: 'broadcast', faults: [{ at: '3s', partition: 'isolate', target: 'leader', for: '1s' }, { at: '1s', pause: 'n1', for: '5s' }] });
    expect(expandFaults(parsed.faults).map((f) => `${f.atUs / 1e6}:${f.action.kind}`)).toEqual(['1:pause', '3:partition', '4:heal', '6:resume']);
  });

  // Malformed input of any shape yields a ScenarioError naming the file and a field path; never
  // another exception (which the CLI would show as a crash).
  it('turns any malformed scenario object into a ScenarioError (property)', () => {
    const fields = ['name', 'protocol', 'nodes', 'seed', 'duration', 'network', 'workload', 'faults', 'heal', 'checks', 'expect', 'limits', 'options', 'flaws', 'spares'];
    const junk = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.anything(), { maxKeys: 3 }));
    fc.assert(
      fc.property(fc.constantFrom(...fields), junk, (field, value) => {
        const raw = { ...valid, [field]: value };
        try {
          resolveScenario(raw, 'fuzzed.yaml');
          return true; // some junk is valid (e.g. a string name)
        } catch (error) {
          if (!(error instanceof ScenarioError)) throw error;
          expect(error.message.startsWith('fuzzed.yaml: ')).toBe(true);
          expect(error.issues.length).toBeGreaterThan(0);
          return true;
        }
      }),
      { seed: 42, numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        try {
          resolveScenario(raw, 'any.yaml');
        } catch (error) {
          if (!(error instanceof ScenarioError)) throw error;
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
