/**
 * Scenario files as a hostile or careless user writes them: every one is refused at load time with
 * the file, the field and the line — never an "internal error", never a scenario that silently
 * tests nothing.
 */
import { describe, expect, it } from 'vitest';
import { protocolRegistry } from '../../src/protocols/index.js';
import { validateWithProtocol } from '../../src/runner/validate.js';
import { ScenarioError, parseScenarioText } from '../../src/scenario/index.js';

const protocols = protocolRegistry();

/** The error a file's text gets when loaded as `dsim run` loads it. */
function loadError(text: string): string {
  try {
    parseScenarioText(text, 'bad.yaml', { protocols, validate: validateWithProtocol });
  } catch (error) {
    if (error instanceof ScenarioError) return error.message;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

const raft = 'name: t\nprotocol: raft\nnodes: 3\nduration: 1s\nworkload: { model: kv, rate: 20/s }\n';

describe('loading refuses, with file, field and line', () => {
  it('an unknown field is pointed at on its own line, not at its mapping', () => {
    expect(loadError(`${raft}chekcs: [linearizable]\n`)).toMatch(/^bad\.yaml:6:\d+: unknown field chekcs \(did you mean "checks"\?\)/);
    expect(loadError(`${raft}network:\n  latency: 1ms\n  lossy: 0.1\n`)).toMatch(/^bad\.yaml:8:\d+: network: unknown field lossy/);
  });

  it('a typo in checks or expect.violates', () => {
    expect(loadError(`${raft}checks: [linearizable, durabel]\n`)).toMatch(/^bad\.yaml:6:\d+: checks\[1\]: unknown check "durabel" \(did you mean "durable"\?\); expected one of: .*durable/);
    expect(loadError(`${raft}checks: [durable]\nexpect: { violates: [lineariz] }\n`)).toMatch(/^bad\.yaml:7:\d+: expect\.violates\[0\]: unknown check "lineariz"/);
  });

  it('faults aimed at nodes, roles or partitions that do not exist, and overlapping sides', () => {
    expect(loadError(`${raft}faults: [{ at: 100ms, crash: n9 }]\n`)).toMatch(/bad\.yaml:6:\d+: faults\[0\]\.crash: node n9 does not exist \(the cluster has n1\.\.n3\)/);
    expect(loadError(`${raft}faults: [{ at: 100ms, partition: isolate, target: leeder }]\n`)).toContain(
      'faults[0].target: "leeder" is not a node id, random, random-other or a role of raft (follower, pre-candidate, candidate, leader) (did you mean "leader"?)',
    );
    expect(loadError('protocol: broadcast\nfaults: [{ at: 1s, pause: leader }]\n')).toContain('broadcast has no roles to target');
    expect(loadError(`${raft}faults: [{ at: 100ms, heal: p7 }]\n`)).toContain('faults[0].heal: no partition named "p7" comes before it');
    expect(loadError(`${raft}faults: [{ at: 100ms, partition: split, groups: [[n1, n2], [n2, n3]] }]\n`)).toContain('n2 is in groups 0 and 1');
    expect(loadError(`${raft}faults: [{ at: 100ms, partition: bridge, bridge: n1, left: [n2], right: [n2] }]\n`)).toContain('n2 is on both sides');
    expect(loadError(`${raft}faults: [{ at: 100ms, partition: isolate, target: n0 }]\n`)).toContain('node n0 does not exist');
  });

  it('with groups: group fields and targets suggest names, roles are checked per group, echoes are capped', () => {
    const groups = 'groups:\n  coord: { protocol: coordination, nodes: 3 }\n  db: { protocol: master-slave, nodes: 3, options: { failover: coordinator } }\nworkload: { service: db, clients: 2, rate: 20/s }\nduration: 1s\n';
    expect(loadError(`${groups}faults: [{ at: 100ms, crash: db.primray }]\n`)).toMatch(
      /bad\.yaml:6:\d+: faults\[0\]\.crash: "primray" is not a node id, random, random-other or a role of group db \(master-slave\) \(primary, replica, candidate\) \(did you mean "primary"\?\)/,
    );
    expect(loadError(`${groups}faults: [{ at: 100ms, crash: dv.primary }]\n`)).toMatch(/faults\[0\]\.crash: no group "dv" \(did you mean "db"\?\)/);
    expect(loadError(`${groups}faults: [{ at: 100ms, crash: n7 }]\n`)).toContain('node n7 does not exist (the cluster has n1..n6)');
    expect(loadError(groups.replace('service: db', 'service: dbb'))).toMatch(/workload\.service: no group "dbb" \(did you mean "db"\?\)/);
    const long = 'x'.repeat(10_000);
    const message = loadError(groups.replace('protocol: coordination', `protocol: ${long}`));
    expect(message).toContain('groups.coord.protocol: unknown protocol');
    expect(message.length).toBeLessThan(1_000);
    expect(loadError(groups.replace('options: { failover: coordinator }', 'options: { failover: coordinator }, flaws: [naive-promotoin]'))).toMatch(/groups\.db\.flaws\[0\]: unknown flaw "naive-promotoin"/);
  });

  it('YAML tags, aliases that bomb, dangle or loop', () => {
    expect(loadError(`${raft}description: !!js/function 'function () {}'\n`)).toMatch(/bad\.yaml:6:\d+: .*js\/function/);
    expect(loadError(`${raft}description: !!binary aGVsbG8=\n`)).toMatch(/bad\.yaml:6:\d+: YAML tag !!binary is not allowed/);
    expect(loadError(raft.replace('protocol: raft', 'protocol: !custom raft'))).toMatch(/bad\.yaml:2:\d+: .*!custom/);
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(10).fill(`*a${i}`).join(', ')}]`)].join('\n');
    expect(loadError(`${raft}${bomb}\n`)).toMatch(/bad\.yaml:7:\d+: YAML aliases expand into too many values .*alias bomb/);
    expect(loadError(`${raft}description: *nowhere\n`)).toMatch(/bad\.yaml:6:\d+: YAML alias \*nowhere refers to no anchor/);
    expect(loadError(`${raft}x: &loop\n  y: *loop\n`)).toMatch(/refers to the value that contains it \(a cycle\)|unknown field/);
  });

  it('a YAML mistake that cascades: the first errors and a count, not a flood', () => {
    const lines = loadError(raft.replace(/: /g, ': a: ')).split('\n');
    expect(lines.length).toBeLessThanOrEqual(6);
    expect(lines[0]).toMatch(/^bad\.yaml:1:\d+: YAML syntax error/);
    expect(lines[lines.length - 1]).toMatch(/^bad\.yaml: and \d+ more YAML errors after these/);
  });

  it('nesting: a limit is reported as a limit, not as a stack overflow', () => {
    expect(loadError(`${raft}deep: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)).toContain('nested too deeply for a scenario (at most 32 levels');
    expect(loadError(`${raft}deep: ${'['.repeat(40)}${']'.repeat(40)}\n`)).toMatch(/bad\.yaml:6:\d+: nested more than 32 levels deep/);
  });

  it('union fields name their alternatives, or what the meant alternative lacks', () => {
    expect(loadError(`${raft}network: { latency: { dist: gaussian, mean: 5ms } }\n`)).toContain(
      'network.latency: expected a duration (5ms) or a distribution: { dist: constant, value }, { dist: uniform, min, max }',
    );
    expect(loadError(`${raft}network: { latency: { dist: uniform, min: 5ms } }\n`)).toContain('network.latency.max: required');
    expect(loadError(`${raft}heal: forever\n`)).toContain('heal: expected false (no heal phase) or { quiesce: a duration, restart: true|false }, got "forever"');
    expect(loadError(`${raft}heal: { quiesce: soon }\n`)).toContain('heal.quiesce: expected a duration');
    expect(loadError(`${raft}expect: fail\n`)).toContain('expect: expected pass, or { violates: [names of checks that must fail] }, got "fail"');
    expect(loadError(`${raft}seed: 1.5\n`)).toContain('seed: expected a whole number (0 or more) or a non-empty string, got 1.5');
    expect(loadError(`${raft.replace('rate: 20/s', 'rate: 20/s, keyDistribution: normal')}`)).toContain('workload.keyDistribution: expected uniform, zipfian, or { zipfian: an exponent above 0 }');
    expect(loadError(`${raft}seed: [1]\n`)).not.toContain('Invalid input');
  });

  it('echoed values are capped; a huge file is refused by its size', () => {
    const message = loadError(`${raft}workload: { model: kv, rate: 20/s, timeout: ${'9'.repeat(300_000)}x }\n`.replace('workload: { model: kv, rate: 20/s }\n', ''));
    expect(message).toContain('workload.timeout: expected a duration');
    expect(message.length).toBeLessThan(600);
    expect(loadError(`${raft}description: ${'y'.repeat(2_000_000)}\n`)).toMatch(/bad\.yaml: the file is 1\.9 MB; a scenario file is at most 1 MB/);
  });

  it('more nodes than the limit are refused with the limit and its reason', () => {
    expect(loadError('protocol: raft\nnodes: 513\n')).toMatch(/^bad\.yaml:2:\d+: nodes: at most 512 nodes: a leader messages every peer on every heartbeat.*docs\/PERFORMANCE\.md/);
  });

  it('groups run as many nodes as one scenario does, and are refused over the limit with its reason', () => {
    const groups = (coord: number, db: number): string =>
      `groups:\n  coord: { protocol: coordination, nodes: ${coord} }\n  db: { protocol: raft, nodes: ${db} }\nworkload: { service: db }\n`;
    expect(() => parseScenarioText(groups(3, 97), 'ok.yaml', { protocols, validate: validateWithProtocol })).not.toThrow();
    expect(loadError(groups(3, 513))).toMatch(/groups\.db\.nodes: at most 512 nodes: a leader messages every peer on every heartbeat.*docs\/PERFORMANCE\.md/);
    expect(loadError(groups(300, 300))).toMatch(/groups: at most 512 nodes over all groups \(these have 600\): one kernel runs them all, and a leader messages every peer/);
  });

  it('a workload that cannot finish within its event budget is refused with the arithmetic, before it runs', () => {
    // A year of virtual time in three lines: three closed-loop clients, each op ending by its 1s timeout at the latest.
    expect(loadError('protocol: raft\nnodes: 3\nduration: 525600m\n')).toMatch(
      /^bad\.yaml:3:\d+: duration: the run cannot finish: its workload alone takes at least 94,608,000 events \(3 closed-loop clients for 525600m of workload, each op ending by its 1s timeout\), more than its event budget of 20,000,000/,
    );
    expect(loadError(`${raft.replace('rate: 20/s', 'rate: 10000000/s').replace('duration: 1s', 'duration: 60s')}`)).toMatch(
      /bad\.yaml:5:\d+: workload\.rate: the run cannot finish: .* \(half of 10,000,000 ops\/s \(at most one arrival a microsecond\) for 60s of workload\)/,
    );
    // The same workload fits a budget raised for it, and a short run fits the default.
    expect(() => parseScenarioText(`${raft.replace('rate: 20/s', 'rate: 10000000/s').replace('duration: 1s', 'duration: 60s')}limits: { events: 40000000 }\n`, 'ok.yaml', { protocols, validate: validateWithProtocol })).not.toThrow();
    expect(() => parseScenarioText('protocol: raft\nnodes: 3\nduration: 10m\n', 'ok.yaml', { protocols, validate: validateWithProtocol })).not.toThrow();
  });
});
