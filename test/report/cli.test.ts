import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsim, repoRoot } from '../support/cli.js';
import { lostFixture, reportDataOf } from './support.js';

/** The terminal escape that starts every colour code. */
const ESC = String.fromCharCode(27);

describe('dsim run --html / --timeline (end to end)', () => {
  it('--html writes one self-contained report, atomically, and says where', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsim-html-'));
    const out = join(dir, 'nested', 'report.html');
    const r = dsim(['run', lostFixture, '--html', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`report\\s+${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(readdirSync(join(dir, 'nested'))).toEqual(['report.html']); // no temp file left behind
    const data = reportDataOf(html);
    expect(data.meta.scenario).toBe('report-broadcast-lost');
    expect(data.checks.find((c) => c.name === 'broadcast-delivered')?.verdict).toBe('fail');
    expect(data.arrows.length).toBeGreaterThan(50);
  });

  it('--html with several scenarios writes one report per scenario', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsim-html-'));
    mkdirSync(join(dir, 'in'));
    copyFileSync(lostFixture, join(dir, 'in', 'a.yaml'));
    copyFileSync('scenarios/broadcast/partition.yaml', join(dir, 'in', 'b.yaml'));
    const r = dsim(['run', join(dir, 'in'), '--html', join(dir, 'out.html')]);
    expect(r.code).toBe(0);
    expect(existsSync(join(dir, 'out-report-broadcast-lost.html'))).toBe(true);
    expect(existsSync(join(dir, 'out-broadcast-partition.html'))).toBe(true);
  });

  it('--timeline prints the key events before the summary, in CI-readable plain text', () => {
    const r = dsim(['run', lostFixture, '--timeline']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const timeline = lines.slice(0, lines.findIndex((l) => l.startsWith('scenario')));
    expect(timeline).toContain('0.500s  n3    CRASHES');
    expect(timeline).toContain('1.000s        partition p2: isolate n2');
    expect(timeline.some((l) => l.includes('CHECK FAILED broadcast-delivered'))).toBe(true);
    expect(timeline.some((l) => l.includes('gossip'))).toBe(false);
    expect(r.stdout).not.toContain(ESC); // colour is off without a terminal
  });

  it('--timeline with --json keeps stdout parseable: the timeline goes to stderr', () => {
    const r = dsim(['run', lostFixture, '--timeline', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toMatchObject({ scenario: 'report-broadcast-lost', expectation: 'held' });
    expect(r.stderr).toContain('CRASHES');
  });

  it('colours the timeline when asked to (FORCE_COLOR)', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'run', lostFixture, '--timeline'], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } });
    expect(r.stdout).toContain(`${ESC}[31mCRASHES${ESC}[39m`);
  });
});
