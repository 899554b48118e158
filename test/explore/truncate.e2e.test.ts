/**
 * Raft truncate-on-stale-append through the real CLI: found with one reorder (a delay step of the
 * partition model). The counterexample explore found (scenarios/explore/found/) replays to the
 * same violation; the search itself takes minutes of CPU (docs/EXPLORE.md has the numbers) and
 * runs here with DSIM_EXPLORE_LONG=1, not in the default suite.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsim } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-truncate-'));
const SCENARIO = 'scenarios/explore/raft-truncate-on-stale-append.yaml';
const FOUND = 'scenarios/explore/found/raft-truncate-on-stale-append.yaml';
const long = process.env['DSIM_EXPLORE_LONG'] === '1';

describe('truncate-on-stale-append by exploration', () => {
  it('replays the counterexample explore found: a stale append overtaken on its link shortens an acknowledged log', () => {
    const text = readFileSync(FOUND, 'utf8');
    expect(text).toMatch(/^# {3}\d\. delay n1>n2 append #\d+$/m);
    const replay = dsim(['replay', FOUND]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('the same run, event for event, as when it was recorded');
    expect(replay.stdout).toMatch(/STILL FAILS: leader-completeness \[safety\]/);
    // The same choices without the flaw: the correct follower keeps the entries it has.
    const fixed = join(dir, 'fixed.yaml');
    writeFileSync(fixed, text.replace('flaws:\n  - truncate-on-stale-append', 'flaws: []'));
    expect(dsim(['replay', fixed]).code).not.toBe(1);
    // Without the reorder its choice log is not a path of the model: a recorded choice is refused.
    const fifo = join(dir, 'fifo.yaml');
    writeFileSync(fifo, text.replace('reorders: 1', 'reorders: 0'));
    const refused = dsim(['replay', fifo]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/explore\.choices\[\d+\].*is not enabled/);
  });

  it.runIf(long)('finds it in eight partition steps with one delay; the correct protocol explores the same bound clean', () => {
    const run = dsim(['explore', SCENARIO, '--out', dir, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/VIOLATION at depth 8 \(fewest steps.*\): leader-completeness/);
    expect(run.stdout).toMatch(/\d\. delay n1>n2 append/);
    const replay = dsim(['replay', join(dir, 'explore-raft-truncate-on-stale-append-explore.yaml')]);
    expect(replay.code).toBe(1);
    const correct = join(dir, 'correct.yaml');
    writeFileSync(correct, readFileSync(SCENARIO, 'utf8').replace('flaws: [truncate-on-stale-append]', 'flaws: []'));
    const clean = dsim(['explore', correct, '--depth', '8', '--no-progress']);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/result\s+no violation within depth 8, [\d,]+ states/);
  }, 3_600_000);
});
