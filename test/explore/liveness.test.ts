/**
 * Bounded liveness (explore.liveness): from every explored state the faults stop and one canonical
 * fair continuation must answer every invoked op within K steps. Through the real CLI: a user
 * protocol whose lost forward is never sent again (found, replayed), the same protocol with
 * retransmission clean, a Raft configuration whose reads wait for a write that never comes (found,
 * replayed), and correct Raft and Paxos clean within their bounds. In process: what `faults stop`
 * means to a replayed choice log.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULTS_STOP, runChoiceLog } from '../../src/runner/choices.js';
import { dsim } from '../support/cli.js';
import { raft } from './scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-liveness-'));
const module = 'test/fixtures/explore/primary-backup.mjs';
const CLAIM = /liveness held within (\d+) fair steps after the last fault from every state/;

describe('dsim explore with explore.liveness', () => {
  it('finds a write a lost forward leaves unanswered forever, and dsim replay reproduces it', () => {
    const run = dsim(['explore', 'test/fixtures/explore/primary-backup.yaml', '--module', module, '--out', dir, '--no-progress']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/checks\s+health, linearizable \(after every step\); liveness within 50 fair steps after the last fault \(every invoked op answered, converged\), from every state/);
    expect(run.stdout).toMatch(/result\s+VIOLATION at depth 3 \(a shortest path\): liveness: not within 50 fair steps after the last fault: c1's write x \(asked n1\) is not answered; converged: /);
    expect(run.stdout).toMatch(/path\s+1\. invoke c1 at n1\n\s+2\. deliver c1>n1 write #\d+\n\s+3\. drop n1>n2 fwd #\d+\nthen\s+faults stop, and the fair continuation: 50 steps/);
    const file = join(dir, 'primary-backup-no-retransmit-explore.yaml');
    expect(readFileSync(file, 'utf8')).toContain(`- ${FAULTS_STOP}\n`);
    const replay = dsim(['replay', file, '--module', module]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('the same run, event for event, as when it was recorded');
    expect(replay.stdout).toMatch(/liveness\s+not reached within 50 fair steps after the last fault \(explore\.liveness\.within: 50\): c1's write x \(asked n1\) is not answered/);
    expect(replay.stdout).toContain('STILL FAILS: liveness');
  });

  it('explores the same protocol with retransmission clean, and says what liveness was checked', () => {
    const file = join(dir, 'retransmit.yaml');
    writeFileSync(file, readFileSync('test/fixtures/explore/primary-backup.yaml', 'utf8').replace('options: { retransmit: false }', 'options: { retransmit: true }'));
    const run = dsim(['explore', file, '--module', module, '--no-progress']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/states\s+.*; [\d,]+ fair continuations, [\d,]+ steps/);
    expect(run.stdout).toMatch(/result\s+no violation within depth 8, [\d,]+ states; liveness held within 50 fair steps after the last fault from every state/);
    // Without explore.liveness (or --liveness), nothing is said about liveness.
    const unchecked = join(dir, 'unchecked.yaml');
    writeFileSync(unchecked, readFileSync(file, 'utf8').replace(/\n {2}liveness: .*/, ''));
    const quiet = dsim(['explore', unchecked, '--module', module, '--no-progress']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).not.toMatch(/liveness within|liveness held|fair (steps|continuations)/);
  });

  it('finds a Raft read that waits for a write of the leader\'s term that never comes (no no-op on election)', () => {
    const run = dsim(['explore', 'scenarios/explore/raft-read-waits-for-write.yaml', '--out', dir, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/result\s+VIOLATION at depth 4 \(a shortest path\): liveness: not within 100 fair steps after the last fault: c1's read x \(asked n1\) is not answered/);
    const replay = dsim(['replay', join(dir, 'explore-raft-read-waits-for-write-explore.yaml')]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('STILL FAILS: liveness');
  });

  it('reports an invariant the fair continuation breaks, from the state it ran from, and the file replays it', () => {
    const run = dsim(['explore', 'scenarios/explore/raft-no-persist-vote.yaml', '--liveness', '100', '--out', dir, '--no-progress']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/result\s+VIOLATION in the fair continuation from depth 6 \(a shortest path\): election-safety: two leaders in term 1/);
    expect(run.stdout).toMatch(/then\s+faults stop, and the fair continuation: \d+ steps/);
    const replay = dsim(['replay', join(dir, 'explore-raft-no-persist-vote-explore.yaml')]);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain('STILL FAILS: election-safety');
  });

  it.each([
    ['raft, the no-persist-vote bounds (one crash, two timer firings)', 'scenarios/explore/raft-no-persist-vote.yaml', ['--depth', '6']],
    ['raft without the read flaw (a no-op on election)', 'scenarios/explore/raft-read-waits-for-write.yaml', []],
    ['paxos, the promise-in-memory bounds (one crash, time frozen)', 'scenarios/explore/paxos-promise-in-memory.yaml', ['--depth', '5']],
  ])('correct %s: clean with liveness on', (_name, source, extra) => {
    const file = join(dir, `correct-${source.split('/').pop()!}`);
    writeFileSync(file, readFileSync(source, 'utf8').replace(/^flaws: .*$/m, 'flaws: []').replace('noopOnElection: false', 'noopOnElection: true'));
    const run = dsim(['explore', file, '--liveness', '100', ...extra, '--no-progress']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(CLAIM);
  });

  it('rejects a liveness bound that is not a positive integer (exit 3, the field named)', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, readFileSync('test/fixtures/explore/primary-backup.yaml', 'utf8').replace('within: 50', 'within: 0'));
    const run = dsim(['explore', file, '--module', module]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/explore\.liveness\.within/);
    expect(dsim(['explore', 'test/fixtures/explore/primary-backup.yaml', '--module', module, '--liveness', 'soon']).stderr).toMatch(/--liveness must be a positive integer/);
  });
});

describe('a choice log with faults stop', () => {
  it('is judged by the liveness promise at its end', () => {
    const campaign = ['timer n1 election', 'deliver n1>n2 request-vote #4'];
    const idle = runChoiceLog(raft([], { choices: [...campaign, FAULTS_STOP] }));
    expect(idle.checks.find((c) => c.name === 'liveness')).toMatchObject({ verdict: 'pass', detail: 'every invoked op answered within 0 fair steps after the last fault' });
    const open = runChoiceLog(raft([], { liveness: { within: 10 }, choices: [...campaign, 'invoke c1 at n1', FAULTS_STOP] }));
    expect(open.checks.find((c) => c.name === 'liveness')).toMatchObject({ verdict: 'fail', detail: "not reached within 0 fair steps after the last fault (explore.liveness.within: 10): c1's write x (asked n1) is not answered" });
  });

  it('enables no fault and no new op after it, and timers without the explored bound', () => {
    const stopped = [FAULTS_STOP, 'timer n1 election', 'timer n2 election', 'timer n3 election'];
    expect(runChoiceLog(raft([], { timeouts: 1, crashes: 1, choices: stopped })).checks.every((c) => c.verdict === 'pass')).toBe(true);
    expect(() => runChoiceLog(raft([], { crashes: 1, choices: [FAULTS_STOP, 'crash n1'] }))).toThrow(/explore\.choices\[1\].*"crash n1" is not enabled/);
    expect(() => runChoiceLog(raft([], { choices: [FAULTS_STOP, 'invoke c1 at n1'] }))).toThrow(/not enabled/);
    expect(() => runChoiceLog(raft([], { choices: [FAULTS_STOP, FAULTS_STOP] }))).toThrow(/not enabled/);
  });
});
