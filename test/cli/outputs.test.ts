/**
 * Results are never lost at the end: output paths are checked before anything runs; a write that
 * fails anyway is reported with the verdict (a failure file is printed inline) and exits 1 or 3,
 * never 2; an interrupted run leaves no temporary file behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, protocolsFor } from '../../src/cli/load.js';
import { runOne } from '../../src/cli/run.js';
import { dsim, repoRoot } from '../support/cli.js';

const scenario = 'scenarios/broadcast/partition.yaml';

describe('output files', () => {
  it('an output that cannot be written is refused before the run, naming the option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsim-out-'));
    const underFile = dsim(['run', scenario, '--trace', `${repoRoot}/package.json/trace.jsonl`]);
    expect(underFile.code).toBe(3);
    expect(underFile.stderr).toMatch(/package\.json\/trace\.jsonl: --trace: cannot write there: ENOTDIR/);
    expect(underFile.stdout).toBe('');
    const isDir = dsim(['run', scenario, '--html', dir]);
    expect(isDir.code).toBe(3);
    expect(isDir.stderr).toContain(`${dir}: --html: is a directory; expected a file name`);
    const out = dsim(['fuzz', '--protocol', 'broadcast', '--runs', '1', '--out', `${repoRoot}/package.json/failures`]);
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/--out: cannot write there/);
  });

  it('a failure file that cannot be written is printed inline, and the campaign exits 1', () => {
    const out = mkdtempSync(join(tmpdir(), 'dsim-out-'));
    // The file's name is taken by a directory: the write fails after every check passed.
    mkdirSync(join(out, 'fuzz-broadcast-no-retry-30490937.yaml'));
    const r = dsim(['fuzz', '--protocol', 'broadcast', '--flaws', 'no-retry', '--runs', '50', '--seed', '42', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stdout).toMatch(/could not write .*fuzz-broadcast-no-retry-30490937\.yaml: .*; the failure file, to save by hand:/);
    expect(r.stdout).toMatch(/^# dsim fuzz failure: broadcast with flaws no-retry$/m);
    expect(r.stdout).toMatch(/^name: fuzz-broadcast-no-retry-30490937$/m);
  }, 60_000);

  it('a trace, history or report that cannot be written costs that file, not the verdict', async () => {
    const protocols = await protocolsFor(undefined);
    const row = runOne(await loadScenarioFile(scenario, protocols), {
      file: scenario,
      historyPath: `${repoRoot}/package.json/h.edn`,
      tracePath: `${repoRoot}/package.json/t.jsonl`,
      timeline: false,
      colour: false,
      checkDeterminism: false,
    });
    expect(row.result.expectation).toBe('held');
    expect(row.writeErrors).toEqual([expect.stringMatching(/^--trace .*t\.jsonl: /), expect.stringMatching(/^--history .*h\.edn: /)]);
  });

  it('Ctrl-C leaves no temporary trace file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsim-int-'));
    const child = spawn(process.execPath, [`${repoRoot}/dist/cli/main.js`, 'run', 'scenarios/raft/leader-isolated.yaml', '--trace', join(dir, 't.jsonl')], { cwd: repoRoot, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait for the trace's temporary file to exist, then interrupt.
    for (let i = 0; i < 600 && !readdirSync(dir).some((f) => f.endsWith('.tmp')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 't.jsonl'))).toBe(false);
  }, 60_000);
});
