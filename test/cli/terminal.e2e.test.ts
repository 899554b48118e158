/**
 * Terminal manners of the real CLI: colour switches, the totals line, wording of results, tables
 * that fit COLUMNS without trailing spaces, the progress line on a terminal, and where a user's
 * handler threw.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { lostFixture } from '../report/support.js';

const ESC = String.fromCharCode(27);
const dir = mkdtempSync(join(tmpdir(), 'dsim-terminal-'));
const scenarios = join(dir, 'scenarios');
mkdirSync(scenarios);
copyFileSync(join(repoRoot, lostFixture), join(scenarios, 'a-lost.yaml'));
writeFileSync(join(scenarios, 'b-small.yaml'), ['name: small-broadcast', 'protocol: broadcast', 'nodes: 3', 'duration: 1s', 'workload: { clients: 1, rate: 20/s }', 'heal: { quiesce: 1s }', 'checks: [broadcast-delivered, liveness]'].join('\n'));

function cli(args: readonly string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['FORCE_COLOR', 'NO_COLOR', 'COLUMNS']) delete base[k];
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist/cli/main.js'), ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...base, ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('terminal manners', () => {
  it('a directory run: result wording, a table that fits COLUMNS with no trailing spaces, a totals line, and --no-color beating FORCE_COLOR', () => {
    const r = cli(['run', scenarios, '--no-color'], { FORCE_COLOR: '1', COLUMNS: '70' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain(ESC);
    expect(r.stdout).toContain('result    HELD: broadcast-delivered broke, as expected');
    expect(r.stdout).toContain('result    HELD: every check passed, as expected');
    const lines = r.stdout.split('\n');
    const table = lines.slice(lines.findIndex((l) => /^scenario\s+protocol/.test(l)));
    for (const line of table) {
      expect(line).not.toMatch(/ $/);
      expect(line.length).toBeLessThanOrEqual(70);
    }
    expect(lines.filter((l) => l !== '').pop()).toBe('2 scenarios: 2 as expected');
    expect(r.stdout).toContain('the one op issued after the heal completed ok');
  });

  it('NO_COLOR turns colour off even when FORCE_COLOR asks for it', () => {
    const r = cli(['run', lostFixture, '--timeline'], { FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('CRASHES');
    expect(r.stdout).not.toContain(ESC);
  });

  it('a handler that throws is a finding that names the line of the user\'s code', () => {
    const r = cli(['run', 'test/fixtures/scenarios/throws.yaml', '--module', 'test/fixtures/protocols/throws-on-fourth-request.ts']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ health\s+handler-threw on n1 .*TypeError: count overflow/);
    expect(r.stdout).toMatch(/^\s+at test\/fixtures\/protocols\/throws-on-fourth-request\.ts:9:\d+$/m);
  });

  it.runIf(existsSync('/usr/bin/script'))('draws a progress line on a terminal for a directory run, and none without one', () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot, 'dist/cli/main.js'))} run ${JSON.stringify(scenarios)} --no-color`;
    const tty = spawnSync('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
    expect(tty.stdout).toMatch(/run \[[^\]]*\] 1\/2 scenarios \| small-broadcast/);
    expect(tty.stdout).toContain('2 scenarios: 2 as expected');
    expect(cli(['run', scenarios]).stderr).toBe('');
  });

  it('a name or message cannot steer the terminal: controls shown escaped, dsim\'s own colours kept, --json still JSON', () => {
    const spoof = join(dir, 'spoof.yaml');
    const name = `x${ESC}[2J${ESC}[H\rresult    ${ESC}[32mHELD${ESC}[0m\n\u202eNEKORB`;
    writeFileSync(spoof, [`name: ${JSON.stringify(name)}`, 'protocol: broadcast', 'nodes: 2', 'duration: 500ms', 'workload: { model: broadcast, rate: 10/s }', 'checks: []'].join('\n'));
    const plain = cli(['run', spoof]);
    expect(plain.stdout).not.toContain(ESC);
    expect(plain.stdout).not.toContain('\u202e');
    expect(plain.stdout).toContain('scenario  x\\u001b[2J\\u001b[H\\u000dresult    \\u001b[32mHELD\\u001b[0m\\n\\u202eNEKORB (');
    expect(plain.stdout.split('\n').filter((l) => l.startsWith('result'))).toEqual(['result    HELD: every check passed, as expected']);
    const coloured = cli(['run', spoof], { FORCE_COLOR: '1' });
    expect(coloured.stdout).toContain(`${ESC}[1mx\\u001b[2J`); // dsim's bold kept, the name's escapes shown
    expect(coloured.stdout.match(new RegExp(`${ESC}\\[[0-9;]*[^0-9;m]`))).toBeNull(); // no escape but colour
    const json = JSON.parse(cli(['run', spoof, '--json']).stdout) as { scenario: string };
    expect(json.scenario).toBe(name);
    // A protocol's message: escape sequences and a right-to-left override, shown, never obeyed.
    const hostile = cli(['run', 'test/fixtures/hostile/escape-message.yaml', '--module', 'test/fixtures/hostile/escape-message.mjs']);
    expect(hostile.code).toBe(1);
    expect(hostile.stdout).not.toContain(ESC);
    expect(hostile.stdout).toContain('\\u001b[2J');
    expect(hostile.stdout.split('\n').filter((l) => /^(result|\\u202e)/.test(l))).toEqual(['result    BROKEN: health failed, expected to pass']);
  });
});
