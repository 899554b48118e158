/** `dsim explore` and `dsim replay` of its counterexample, through the real CLI. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsim } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-explore-'));

describe('dsim explore', () => {
  it('prints the shortest counterexample and writes a file that dsim replay reproduces', () => {
    const run = dsim(['explore', 'scenarios/explore/raft-no-persist-vote.yaml', '--out', dir, '--no-progress']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/result\s+VIOLATION at depth 7 \(a shortest path\): election-safety: two leaders in term 1/);
    expect(run.stdout).toMatch(/states\s+[\d,]+ explored, [\d,]+ unique, depth 7 reached/);
    const file = join(dir, 'explore-raft-no-persist-vote-explore.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^# trace hash: [0-9a-f]{16}$/m);
    expect(text).toContain('choices:');
    const replay = dsim(['replay', file, '--timeline']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('the same run, event for event, as when it was recorded');
    expect(replay.stdout).toContain('STILL FAILS: election-safety');
    expect(replay.stdout).toContain('n2    CRASHES');
  });

  it('reports no violation within the bound for correct Raft, as JSON too', () => {
    const file = join(dir, 'correct.yaml');
    writeFileSync(file, readFileSync('scenarios/explore/raft-no-persist-vote.yaml', 'utf8').replace('flaws: [no-persist-vote]', 'flaws: []'));
    const run = dsim(['explore', file, '--depth', '5', '--no-progress']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/result\s+no violation within depth 5, [\d,]+ states/);
    const json = dsim(['explore', file, '--depth', '3', '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { verdict: string; states: { depthCompleted: number } };
    expect(parsed.verdict).toBe('none');
    expect(parsed.states.depthCompleted).toBe(3);
  });

  it('stops inconclusive at --max-states or --max-memory (exit 2), and rejects bad input (exit 3)', () => {
    const capped = dsim(['explore', 'scenarios/explore/raft-no-persist-vote.yaml', '--max-states', '50', '--out', dir, '--no-progress']);
    expect(capped.code).toBe(2);
    expect(capped.stdout).toMatch(/INCONCLUSIVE: max states reached \(50\); no violation within depth \d \(every path\)/);
    // The byte budget: heap in MB, looked at with the progress (every 5,000 transitions).
    const starved = dsim(['explore', 'scenarios/explore/raft-no-persist-vote.yaml', '--max-memory', '1', '--out', dir, '--no-progress']);
    expect(starved.code).toBe(2);
    expect(starved.stdout).toMatch(/INCONCLUSIVE: memory budget reached \(1 MB of heap\)/);
    expect(dsim(['explore', 'scenarios/raft/figure8.yaml']).stderr).toMatch(/no explore: section/);
    expect(dsim(['explore', 'scenarios/explore/raft-no-persist-vote.yaml', '--strategy', 'sideways']).code).toBe(3);
  });
});
