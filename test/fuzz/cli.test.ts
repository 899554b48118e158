import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dsim, repoRoot } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function json(stdout: string): Record<string, unknown> & { failures: Array<Record<string, unknown>> } {
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown> & { failures: Array<Record<string, unknown>> };
}

describe('dsim fuzz', () => {
  it('--html writes a report beside each failure; replay --html draws the replayed run', () => {
    const out = join(dir, 'html');
    const r = dsim(['fuzz', '--protocol', 'broadcast', '--flaws', 'no-retry', '--runs', '30', '--seed', '42', '--out', out, '--html']);
    expect(r.code).toBe(1);
    const yaml = readdirSync(out).find((f) => f.endsWith('.yaml'))!;
    const html = yaml.replace(/\.yaml$/, '.html');
    expect(readdirSync(out)).toContain(html);
    expect(r.stdout).toContain(`report: ${join(out, html)}`);
    expect(readFileSync(join(out, html), 'utf8')).toMatch(/^<!doctype html>/i);
    const replayHtml = join(out, 'replay.html');
    const replay = dsim(['replay', join(out, yaml), '--html', replayHtml]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain(`report    ${replayHtml}`);
    expect(readFileSync(replayHtml, 'utf8')).toContain('broadcast-delivered');
  });

  it('passes a correct configuration: exit 0, nothing written', () => {
    const out = join(dir, 'clean');
    const r = dsim(['fuzz', '--protocol', 'broadcast', '--runs', '40', '--seed', '1', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/done: 40 runs .*0 failed, 0 inconclusive, 40 passed/);
    expect(r.stdout).toContain('to repeat these runs: npx dsim fuzz --protocol broadcast --runs 40 --seed 1');
  });

  it('names the checks that could not decide: in the summary line and in --json', () => {
    // Without no-op elections, a final read waits for a write of the new leader's term that may never come.
    const args = ['fuzz', '--protocol', 'raft', '--runs', '40', '--seed', '1', '--options', '{"noopOnElection":false,"reads":"read-index"}', '--model', 'kv', '--out', join(dir, 'inconclusive')];
    const text = dsim(args);
    expect(text.code).toBe(0);
    const match = /(\d+) inconclusive \(durable (\d+)\)/.exec(text.stdout);
    expect(match, text.stdout).not.toBeNull();
    expect(match![1]).toBe(match![2]);
    const summary = json(dsim([...args, '--json']).stdout);
    expect(summary['inconclusiveChecks']).toEqual({ durable: Number(match![1]) });
  });

  it('finds a flaw, writes the shrunk scenario, and replay confirms it; after a "fix" replay says it passes', () => {
    const out = join(dir, 'flaw');
    const r = dsim(['fuzz', '--protocol', 'broadcast', '--flaws', 'no-retry', '--runs', '30', '--seed', '1', '--out', out]);
    expect(r.code).toBe(1);
    // A message sent once and lost: an acknowledged value missing somewhere, or a value one node
    // has and another never will (both are what no-retry breaks; which shows first depends on the draw).
    expect(r.stdout).toMatch(/FAIL run \d+ \(seed \d+\): (broadcast-delivered|converged) \[liveness\]/);
    expect(r.stdout).toMatch(/shrunk: faults \d+ -> \d+, ops \d+ -> \d+, nodes \d -> 2/);
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    const file = join(out, files[0]!);
    expect(r.stdout).toContain(`replay: npx dsim replay ${file}`);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# seed: \d+$/m);
    expect(text).toMatch(/^# dsim version: \d+\.\d+\.\d+$/m);
    expect(text).toMatch(/^# trace hash: [0-9a-f]+$/m);
    expect(text).toMatch(/^# failing checks: (broadcast-delivered|converged) \(liveness\)/m);
    expect(text).toContain(`# replay: npx dsim replay ${file}`);

    const replay = dsim(['replay', file]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/the same run, event for event/);
    expect(replay.stdout).toMatch(/STILL FAILS: (broadcast-delivered|converged) \[liveness\]/);

    // The "fix": the same scenario without the flaw.
    const fixed = join(out, 'fixed.yaml');
    writeFileSync(fixed, text.replace(/^flaws: .*\n/m, ''));
    const after = dsim(['replay', fixed]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/trace hash DIFFERS: recorded [0-9a-f]+, now [0-9a-f]+/);
    expect(after.stdout).toMatch(/NOW PASSES/);
  });

  it('the same seed gives the same runs and findings with one worker or two', () => {
    const args = ['fuzz', '--protocol', 'broadcast', '--flaws', 'no-persist', '--runs', '40', '--seed', '1', '--max-failures', '2', '--json'];
    const one = json(dsim([...args, '--out', join(dir, 'w1')]).stdout);
    const two = json(dsim([...args, '--workers', '2', '--out', join(dir, 'w2')]).stdout);
    expect(one.failed).toBe(2);
    const strip = (f: Record<string, unknown>): unknown => ({ index: f.index, seed: f.seed, traceHash: f.traceHash, after: f.after, failed: f.failed });
    expect(two.failures.map(strip)).toEqual(one.failures.map(strip));
    expect(two.runs).toBe(one.runs);
  });

  it('coverage feedback: the same runs and coverage with one worker or two; --corpus keeps the corpus and resumes the campaign', () => {
    const args = ['fuzz', '--protocol', 'broadcast', '--runs', '40', '--seed', '8', '--json', '--out', join(dir, 'cov')];
    const one = json(dsim(args).stdout);
    const two = json(dsim([...args, '--workers', '2']).stdout);
    expect(one.coverage).toMatchObject({ mutants: expect.any(Number), features: expect.any(Number) });
    expect((one.coverage as { mutants: number }).mutants).toBeGreaterThan(5);
    expect(two.coverage).toEqual(one.coverage);
    expect(json(dsim([...args, '--no-feedback']).stdout).coverage).toBeNull();

    const corpus = join(dir, 'corpus');
    const first = dsim(['fuzz', '--protocol', 'broadcast', '--runs', '32', '--seed', '8', '--corpus', corpus, '--out', join(dir, 'cov')]);
    expect(first.code).toBe(0);
    const entries = readdirSync(join(corpus, 'entries'));
    expect(entries.length).toBeGreaterThan(3);
    expect(JSON.parse(readFileSync(join(corpus, 'campaign.json'), 'utf8'))).toMatchObject({ protocol: 'broadcast', seed: 8, next: 32 });
    const resumed = dsim(['fuzz', '--protocol', 'broadcast', '--runs', '16', '--seed', '8', '--corpus', corpus, '--out', join(dir, 'cov')]);
    expect(resumed.stdout).toMatch(new RegExp(`corpus ${corpus}: ${entries.length} entries, \\d+ features, going on from run 32`));
    expect(resumed.stdout).toMatch(new RegExp(`coverage: \\d+ features \\(\\d+ new\\), corpus \\d+ entries \\(\\d+ added, ${entries.length} loaded\\)`));
    expect(JSON.parse(readFileSync(join(corpus, 'campaign.json'), 'utf8'))).toMatchObject({ next: 48 });
    writeFileSync(join(corpus, 'entries', 'zzz.json'), '{"id": 1}');
    const bad = dsim(['fuzz', '--protocol', 'broadcast', '--runs', '1', '--corpus', corpus]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/zzz\.json: not a corpus entry/);
  });

  it('--shard i/n splits the runs; --time bounds by wall clock', () => {
    const base = ['fuzz', '--protocol', 'broadcast', '--runs', '21', '--seed', '5', '--json', '--out', join(dir, 'shard')];
    expect(json(dsim([...base, '--shard', '1/2']).stdout).runs).toBe(11);
    expect(json(dsim([...base, '--shard', '2/2']).stdout).runs).toBe(10);
    const timed = dsim(['fuzz', '--protocol', 'broadcast', '--time', '1s', '--seed', '5', '--shard', '2/3', '--json', '--out', join(dir, 'timed')]);
    expect(timed.code).toBe(0);
    const summary = json(timed.stdout);
    expect(summary.runs).toBeGreaterThan(0);
    // The repeat command names the runs made, so it reproduces them exactly.
    const runs = 3 * ((summary.runs as number) - 1) + 2;
    expect(summary.repeat).toBe(`npx dsim fuzz --protocol broadcast --runs ${runs} --shard 2/3 --seed 5`);
    const again = json(dsim(['fuzz', '--protocol', 'broadcast', '--runs', String(runs), '--shard', '2/3', '--seed', '5', '--json', '--out', join(dir, 'timed')]).stdout);
    expect([again.runs, again.passed, again.meanEvents]).toEqual([summary.runs, summary.passed, summary.meanEvents]);
  });

  it('fuzzes a user protocol module (--module); the failure file names the module, so replay and run need no flag', () => {
    const out = 'failures/test-module';
    rmSync(join(repoRoot, out), { recursive: true, force: true });
    const r = dsim(['fuzz', '--module', 'test/fuzz/fixtures/my-gossip.ts', '--flaws', 'no-retry', '--runs', '20', '--seed', '1', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^fuzz my-gossip with flaws no-retry/m);
    expect(r.stdout).toContain('--module test/fuzz/fixtures/my-gossip.ts');
    const name = readdirSync(join(repoRoot, out))[0]!;
    expect(r.stdout).toContain(`replay: npx dsim replay ${out}/${name}\n`);
    expect(readFileSync(join(repoRoot, out, name), 'utf8')).toMatch(/^protocol: \.\.\/\.\.\/test\/fuzz\/fixtures\/my-gossip\.ts$/m);
    const replay = dsim(['replay', `${out}/${name}`]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/the same run, event for event/);
    rmSync(join(repoRoot, out), { recursive: true, force: true });
  });

  it('a protocol whose handler never returns is a hang failure with its seed, written and replayable; the tool does not hang', () => {
    const out = join(dir, 'hang');
    const module = 'test/fixtures/protocols/stuck-recovery.ts';
    const r = dsim(['fuzz', '--module', module, '--runs', '20', '--seed', '1', '--hang-timeout', '1s', '--out', out]);
    expect(r.code).toBe(1);
    // The hang names the node, the call and the event; it is judged by CPU time, so load cannot fake one.
    const fail = /FAIL run (\d+) \(seed (\d+)\): hang on n\d\n {2}health: hang: n\d's handler for .+? \(event [\d,]+, at [^)]+\) did not return after 1s of CPU time/.exec(r.stdout);
    expect(fail, r.stdout).not.toBeNull();
    const files = readdirSync(out);
    expect(files).toEqual([`fuzz-stuck-recovery-${fail![2]}.yaml`]);
    const file = join(out, files[0]!);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(new RegExp(`^# seed: ${fail![2]}$`, 'm'));
    expect(text).toMatch(/^#\s+health: hang: n\d's handler for .* did not return after 1s of CPU time/m);
    expect(text).toContain(`# replay: npx dsim replay ${file} --hang-timeout 1s`);

    // Replay runs under the same watchdog: it reports the hang and exits.
    const replay = dsim(['replay', file, '--hang-timeout', '1s']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/STILL FAILS: hang: n\d's handler for .* did not return after 1s of CPU time/);

    // Two workers find the same hang in the same run.
    const two = json(dsim(['fuzz', '--module', module, '--runs', '20', '--seed', '1', '--hang-timeout', '1s', '--workers', '2', '--json', '--out', join(dir, 'hang2')]).stdout);
    expect(two.failures.map((f) => [f.index, f.seed, f.kind])).toEqual([[Number(fail![1]), Number(fail![2]), 'hang']]);
  });

  it('bad usage exits 3 with one clear message', () => {
    const cases: Array<[string[], RegExp]> = [
      [['fuzz', '--runs', '5'], /--protocol NAME is required/],
      [['fuzz', '--protocol', 'nope', '--runs', '1'], /unknown protocol "nope"/],
      [['fuzz', '--protocol', 'broadcast', '--flaws', 'nope', '--runs', '1'], /unknown flaw\(s\) nope for broadcast/],
      [['fuzz', '--protocol', 'broadcast', '--faults', 'meteor'], /unknown fault kind\(s\) meteor/],
      [['fuzz', '--protocol', 'broadcast', '--options', '{bad'], /--options is not JSON/],
      [['fuzz', '--protocol', 'broadcast', '--options', '{"gossipIntervalUs":-5}'], /invalid options/],
      [['fuzz', '--protocol', 'broadcast', '--shard', '3/2'], /1 <= i <= n/],
      [['fuzz', '--protocol', 'broadcast', '--runs', '5', '--time', '1s'], /either --runs or --time/],
      [['fuzz', '--protocol', 'broadcast', '--workers', 'many'], /--workers expects a whole number/],
      [['fuzz', '--protocol', 'broadcast', '--hang-timeout', 'soon'], /--hang-timeout expects a duration/],
      [['replay', join(dir, 'missing.yaml')], /cannot read/],
    ];
    for (const [args, message] of cases) {
      const r = dsim(args);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
  });
});
