/**
 * The hostile-module suite (test/fixtures/hostile/): protocols that throw what cannot be printed,
 * persist or send what cannot be copied, answer nonsense, loop, block, hoard memory or end their
 * thread. Each must come out as a finding with node, event and seed — or a clean exit 3 — and never
 * as "internal error". Most run in this process (fast); what needs the watchdog runs the real CLI.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProtocolModule, loadScenarioFile } from '../../src/cli/load.js';
import { protocolRegistry } from '../../src/protocols/index.js';
import { runScenario, type RunResult } from '../../src/runner/index.js';
import { dsim } from '../support/cli.js';

const dir = 'test/fixtures/hostile';

async function runHostile(name: string): Promise<RunResult> {
  const protocols = protocolRegistry([await loadProtocolModule(`${dir}/${name}.mjs`)]);
  return runScenario(await loadScenarioFile(`${dir}/${name}.yaml`, protocols));
}

describe('hostile protocol modules, in process', () => {
  it.each([
    ['throws-hostile-value', /non-Error value: \(a object that cannot be shown\)/],
    ['throws-null-prototype', /non-Error value: \(a object that cannot be shown\)/],
    ['throws-error-getter', /its message could not be read/],
    ['huge-message', /\(20,971,527 characters\)$/],
    ['escape-message', /^Error: [\s\S]*HELD/],
    ['replies-garbage', /the result must be an OpResult/],
  ])('%s: a handler-threw finding with node, event and seed', async (name, message) => {
    const r = await runHostile(name);
    expect(r.findings[0]).toMatchObject({ kind: 'handler-threw', node: 'n1', seed: '1', event: expect.stringMatching(/^request (read|write) from c\d$/) });
    expect(r.findings[0]!.message).toMatch(message);
    expect(r.findings[0]!.message.length).toBeLessThanOrEqual(2_000);
    expect(r.expectation).toBe('broken');
  });

  it.each([
    ['persists-cycle', 'a cycle at .self'],
    ['sends-cycle', 'a cycle at .next'],
  ])('%s: an invalid-effect finding naming the cycle', async (name, cycle) => {
    const r = await runHostile(name);
    expect(r.findings[0]).toMatchObject({ kind: 'invalid-effect', node: 'n1', seed: '1' });
    expect(r.findings[0]!.message).toContain(cycle);
  });

  it('BigInts in messages and replies are plain data', async () => {
    const r = await runHostile('sends-bigint');
    expect(r.findings).toEqual([]);
    expect(r.expectation).toBe('held');
  });

  it("a check that answers nothing fails as the protocol's bug, not as an inconclusive run", async () => {
    const r = await runHostile('check-garbage');
    expect(r.checks.find((c) => c.name === 'nothing')).toMatchObject({ verdict: 'fail', detail: expect.stringContaining("a bug in the protocol's check") });
    expect(r.expectation).toBe('broken');
  });

  it('randomness hidden in reply values changes the trace hash', async () => {
    const [a, b] = [await runHostile('random-reply'), await runHostile('random-reply')];
    expect(a.events).toBe(b.events);
    expect(a.traceHash).not.toBe(b.traceHash);
  });
});

describe('hostile protocol modules, through the CLI', () => {
  const run = (name: string, ...extra: string[]): ReturnType<typeof dsim> => dsim(['run', `${dir}/${name}.yaml`, '--module', `${dir}/${name}.mjs`, '--hang-timeout', '1s', ...extra]);
  const healthOf = (r: ReturnType<typeof dsim>): string => {
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(1);
    return /✗ health\s+(.*)/.exec(r.stdout)?.[1] ?? r.stdout;
  };

  it.each([
    ['spins-in-init', /^hang: n2's handler for init \(first boot\) \(event 0, at 0µs virtual\) did not return after 1s of CPU time/],
    ['spins-in-invariant', /^hang: the invariant forever, checked after a step of n\d \(event \d+/],
    ['spins-in-view', /^hang: view\(\) of n1 \(in a check after the run\) did not return after 1s of CPU time/],
    ['spins-in-check', /^hang: the check forever \(after the run\) did not return/],
    ['blocks-forever', /^hang: n1's handler for request (read|write) from c\d .* waited 10s without using the CPU/],
    ['exits-process', /^process-exit: protocol code ended its thread \(process\.exit\(0\)\?\) during n1's handler for request/],
  ])('%s: the call that never returned is named, with node and event', (name, health) => {
    expect(healthOf(run(name))).toMatch(health);
  }, 60_000);

  it('a run that hoards memory is an out-of-memory finding at the limit the user set', () => {
    expect(healthOf(run('allocates-forever', '--memory-limit', '128MB'))).toMatch(/^out-of-memory: the run needed more than its memory limit of 128 MB \(--memory-limit\), during n1's handler for request/);
  }, 60_000);

  it('slow but correct is never a hang: every call takes 20ms, the run seconds', () => {
    const r = run('slow-but-correct');
    expect(r.stdout).toContain('HELD');
    expect(r.code).toBe(0);
  }, 60_000);

  it('a run past its wall-clock limit is stopped and inconclusive (exit 2), not a hang and not a violation', () => {
    const r = run('slow-but-correct', '--wall-limit', '1s');
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/\? health\s+wall-limit: the run did not finish within its wall-clock limit of 1s \(--wall-limit\); it was in .*Not a finding about the protocol/);
    expect(r.stdout).toContain('INCONCLUSIVE');
    const replay = dsim(['replay', `${dir}/slow-but-correct.yaml`, '--module', `${dir}/slow-but-correct.mjs`, '--wall-limit', '1s']);
    expect(replay.code).toBe(2);
    expect(replay.stdout).toMatch(/^UNDECIDED: wall-limit: /m);
  }, 60_000);

  it('a module that loops or throws while loading is bad input, named as such', () => {
    const spins = run('spins-at-import');
    expect(spins.code).toBe(3);
    expect(spins.stderr).toMatch(/spins-at-import\.mjs: the protocol module cannot be loaded: loading it did not return after 1s of CPU time/);
    const throws = run('throws-at-import');
    expect(throws.code).toBe(3);
    expect(throws.stderr).toContain('cannot load the protocol module: this module refuses to load');
  }, 60_000);

  it('--check-determinism compares the reported run with a fresh one and names where they part', () => {
    const r = run('random-reply', '--check-determinism');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/determinism: DIVERGED: a fresh run of the same seed parts from the reported run at trace event \d+:\n {2}reported: (n\d) -> (c\d) reply .*\n {2}fresh: {4}\1 -> \2 reply /);
  }, 60_000);

  it('fuzz detects a module that keeps state between runs (results would depend on --workers)', () => {
    const r = dsim(['fuzz', '--module', `${dir}/module-state.mjs`, '--runs', '1', '--seed', '1', '--json', '--hang-timeout', '5s', '--out', mkdtempSync(join(tmpdir(), 'dsim-ms-'))]);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(JSON.parse(r.stdout)).toMatchObject({ moduleState: 'carried-over' });
  }, 60_000);

  it('what cannot be cloned or written as JSON (functions in evidence, BigInts) still comes out', () => {
    const evidence = run('evidence-function', '--json');
    expect(evidence.stderr).toBe('');
    expect(JSON.parse(evidence.stdout)).toMatchObject({ expectation: 'broken', checks: expect.arrayContaining([expect.objectContaining({ name: 'weird', verdict: 'fail' })]) });
    const out = mkdtempSync(join(tmpdir(), 'dsim-hostile-'));
    const big = run('sends-bigint', '--json', '--trace', join(out, 't.jsonl'), '--history', join(out, 'h.jsonl'), '--html', join(out, 'r.html'));
    expect(big.stderr).toBe('');
    expect(big.code).toBe(0);
    expect(readFileSync(join(out, 't.jsonl'), 'utf8')).toContain('"1000000000000000000000000000000n"');
    expect(readFileSync(join(out, 'h.jsonl'), 'utf8')).toContain('"7n"');
  }, 60_000);
});
