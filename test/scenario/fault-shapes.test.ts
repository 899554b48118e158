/**
 * The fault shapes aimed at protocol moments, as scenario files: each parses, runs on the real
 * Raft, does what it says (the applied-fault log and the trace show it), and a correct Raft still
 * keeps its safety properties under it.
 */
import { describe, expect, it } from 'vitest';
import { ScenarioError, parseScenarioText, resolveScenario } from '../../src/scenario/index.js';
import { runScenario } from '../../src/runner/run.js';
import { TraceRecorder } from '../../src/trace/events.js';

function scenario(faults: string, extra = ''): string {
  return `
name: shapes
protocol: raft
nodes: 5
seed: 3
duration: 3s
workload: { model: kv, clients: 3, keys: 2, rate: 100/s }
faults:
${faults}
heal: { quiesce: 3s, restart: true }
checks: [invariants, linearizable, durable, converged, liveness]
${extra}`;
}

function run(faults: string, extra = '') {
  const trace = new TraceRecorder();
  const result = runScenario(parseScenarioText(scenario(faults, extra), 'shapes.yaml'), { trace });
  const failed = result.checks.filter((c) => c.verdict !== 'pass').map((c) => `${c.name}: ${c.detail}`);
  return { result, trace: trace.events, failed, applied: result.faults.map((f) => f.description) };
}

describe('fault shapes aimed at protocol moments (scenario files)', () => {
  it('a triggered crash hits whoever becomes leader, within the delay, each time, and restarts it after `for`', () => {
    const { applied, trace, failed } = run(`  - { at: 0s, on: { became: leader }, within: 20ms, crash: trigger, for: 300ms, times: 3 }`);
    expect(applied[0]).toBe('arm trigger: on became leader, crash trigger');
    const fired = applied.filter((a) => a.startsWith('trigger: became leader on '));
    expect(fired).toHaveLength(3);
    const crashes = trace.filter((e) => e.kind === 'crash').map((e) => (e as { node: string }).node);
    const leaders = fired.map((a) => a.split(' on ')[1]);
    expect(crashes).toEqual(leaders);
    // Each crash lands within 20ms of that node's role change to leader.
    for (const crash of trace.filter((e) => e.kind === 'crash')) {
      const node = (crash as { node: string }).node;
      const became = trace.filter((e) => e.kind === 'role' && (e as { node: string }).node === node && (e as { role: string }).role === 'leader' && e.t <= crash.t).pop()!;
      expect(crash.t - became.t).toBeLessThanOrEqual(20_000);
    }
    expect(trace.filter((e) => e.kind === 'restart')).toHaveLength(3);
    expect(failed).toEqual([]);
  });

  it('triggers match protocol notes, message types and replies; target `trigger` binds the node', () => {
    const { applied, failed } = run(
      [
        `  - { at: 500ms, on: { send: request-vote }, partition: isolate, target: trigger, for: 200ms }`,
        `  - { at: 1s, on: { reply: ok }, crash: trigger, for: 100ms }`,
        `  - { at: 0s, on: { note: campaign, node: n2 }, after: 5ms, pause: trigger, for: 50ms, times: 2 }`,
      ].join('\n'),
    );
    expect(applied.some((a) => /^trigger: send request-vote on n\d$/.test(a))).toBe(true);
    expect(applied.some((a) => /^partition p1#\d+: isolate n\d$/.test(a))).toBe(true);
    expect(applied.some((a) => /^trigger: reply ok on n\d$/.test(a))).toBe(true);
    expect(failed).toEqual([]);
  });

  it('crash points: after the persist before the messages leave, and a partial broadcast; `for` counts from the crash', () => {
    const { applied, trace, failed } = run(
      [`  - { at: 1s, crash: leader, point: after-persist, for: 200ms }`, `  - { at: 2s, crash: leader, point: partial-send, for: 200ms }`].join('\n'),
    );
    expect(applied.filter((a) => a.startsWith('arm crash'))).toHaveLength(2);
    const hits = trace.filter((e) => e.kind === 'note' && (e as { event: string }).event.startsWith('crash point'));
    expect(hits.map((e) => (e as { event: string }).event)).toEqual(['crash point after-persist', 'crash point partial-send']);
    const partial = hits[1] as { data: { sent: number; lost: number } };
    expect(partial.data.sent).toBeGreaterThan(0);
    expect(partial.data.lost).toBeGreaterThan(0);
    for (const hit of hits) {
      const node = (hit as { node: string }).node;
      const restart = trace.find((e) => e.kind === 'restart' && (e as { node: string }).node === node && e.t > hit.t)!;
      expect(restart.t - hit.t).toBe(200_000);
    }
    expect(failed).toEqual([]);
  });

  it('permanent node loss: a wiped follower comes back empty, catches up, and the invariants see the reused identity', () => {
    const { applied, trace, failed } = run(`  - { at: 1500ms, crash: random-other, wipe: true, for: 300ms }`);
    expect(applied.some((a) => /^crash n\d \(random-other\), disk wiped$/.test(a))).toBe(true);
    expect(trace.some((e) => e.kind === 'note' && (e as { event: string }).event === 'disk wiped')).toBe(true);
    // The data survives (a majority kept it); the node's term going back is what a replaced
    // machine under the old identity looks like, and Raft's terms-and-votes says so at once.
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(/^invariants: terms-and-votes: n\d's term went back from \d+ to 0/);
  });

  it('slow links, long reordering and coarse clocks', () => {
    const { applied, failed } = run(
      [
        `  - { at: 1200ms, slow: leader, to: [n2, n3], delay: 150ms, for: 1s }`,
        `  - { at: 500ms, slow: n4, delay: 80ms }`,
        `  - { at: 1s, network: { reorder: 0.5, reorderDelay: { min: 200ms, max: 2200ms } }, for: 1s }`,
        `  - { at: 0s, skew: n1, resolution: 10ms }`,
        `  - { at: 0s, skew: n2, offset: 3ms, resolution: 10ms }`,
      ].join('\n'),
    );
    expect(applied).toContain('slow links n4 <-> n1, n2, n3, n5: +80ms');
    expect(applied.some((a) => /^slow links n\d <-> (n2, n3|n\d): \+150ms$/.test(a))).toBe(true);
    expect(applied.some((a) => /^links back to normal speed \(slow1\)$/.test(a))).toBe(true);
    expect(applied).toContain('skew n1 resolution 10ms');
    expect(failed).toEqual([]);
  });

  it('the same file gives the same run', () => {
    const faults = [`  - { at: 0s, on: { became: leader }, within: 50ms, crash: trigger, point: partial-send, for: 100ms, times: 4 }`, `  - { at: 1s, slow: random, delay: 40ms, for: 500ms }`].join('\n');
    expect(run(faults).result.traceHash).toBe(run(faults).result.traceHash);
  });

  it('rejects misplaced fields with their paths', () => {
    const bad = (fault: Record<string, unknown>): string[] => {
      try {
        resolveScenario({ protocol: 'raft', duration: '1s', faults: [fault] }, 'bad.yaml');
      } catch (error) {
        if (error instanceof ScenarioError) return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
        throw error;
      }
      return [];
    };
    expect(bad({ at: '0s', pause: 'n1', point: 'after-persist' })).toEqual(['faults.0.point: point applies to crash faults only']);
    expect(bad({ at: '0s', slow: 'n1' })[0]).toMatch(/^faults\.0\.delay: required for slow links/);
    expect(bad({ at: '0s', crash: 'n1', within: '5ms' })).toEqual(['faults.0.within: within applies to triggered faults (with on:)']);
    expect(bad({ at: '0s', on: { became: 'leader', send: 'x' }, crash: 'trigger' })[0]).toMatch(/expected exactly one event/);
    expect(bad({ at: '0s', on: 'persist', heal: 'all' })).toEqual(['faults.0.on: a heal cannot be triggered']);
    expect(bad({ at: '0s', network: { reorder: 0.5, reorderDelay: { min: '2s', max: '1s' } } })[0]).toMatch(/max must be at least min/);
  });
});
