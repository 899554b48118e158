/**
 * `dsim replay` says exactly what differs when a trace hash does (the file edited, another dsim
 * version, or the code) and judges the run against the file's own expectation.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dsim, repoRoot } from '../support/cli.js';
import { lostFixture } from '../report/support.js';
import { whatDiffers } from '../../src/cli/replay.js';
import { parseFailureHeader, scenarioDigest } from '../../src/fuzz/index.js';
import { dsimVersion } from '../../src/cli/version.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const version = dsimVersion();
// The fixture expects broadcast-delivered to fail (seed 3); its trace hash as `dsim run` reports it.
const body = readFileSync(join(repoRoot, lostFixture), 'utf8').replace(/^#.*\n/gm, '');
const traceHash = (JSON.parse(dsim(['run', lostFixture, '--json']).stdout) as { traceHash: string }).traceHash;

function failureFile(name: string, fields: { version?: string; seed?: string; text?: string } = {}): string {
  const text = fields.text ?? body;
  const header = [`# dsim version: ${fields.version ?? version}`, `# seed: ${fields.seed ?? '3'}`, `# trace hash: ${traceHash}`, `# scenario digest: ${scenarioDigest(body)}`, '# failing checks: broadcast-delivered (liveness)'];
  const path = join(dir, name);
  writeFileSync(path, `${header.join('\n')}\n${text}`);
  return path;
}

describe('dsim replay', () => {
  it('judges against the file\'s own expectation: a violation it expects is not "NOW PASSES"', () => {
    const r = dsim(['replay', failureFile('expects.yaml')]);
    expect(r.stdout).toContain(`trace hash ${traceHash}: the same run, event for event`);
    expect(r.stdout).toContain('AS THE FILE EXPECTS: broadcast-delivered still fails, every other check held');
    expect(r.stdout).not.toContain('NOW PASSES');
    expect(r.code).toBe(0);
  });

  it('an edited seed in the body is named as an edit of the file, not blamed on the code', () => {
    const r = dsim(['replay', failureFile('edited.yaml', { text: body.replace('seed: 3', 'seed: 4') })]);
    expect(r.stdout).toMatch(/trace hash DIFFERS: recorded [0-9a-f]+, now [0-9a-f]+: the run is no longer the one recorded \(the file was edited: its scenario's seed is 4, the header's 3\)/);
    expect(r.stdout).not.toContain('code changed');
  });

  it('a file from another version that this one cannot read names both versions; exit 3', () => {
    const r = dsim(['replay', failureFile('newer.yaml', { version: '9.0.0', text: `${body}retries: 3\n` })]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('unknown field retries');
    expect(r.stderr).toContain(`newer.yaml: the file was written by dsim 9.0.0; this is dsim ${version}`);
    expect(r.stderr).not.toContain('internal error');
  });

  it('what differs, as exactly as the header lets it tell', () => {
    const header = (text: string) => parseFailureHeader(text);
    const file = readFileSync(failureFile('same.yaml'), 'utf8');
    expect(whatDiffers(header(file), { seed: 3 }, file, version)).toBe(`the same scenario and dsim ${version}: the code changed since (the protocol, or dsim built from other sources)`);
    const longer = file.replace('duration: 2s', 'duration: 3s');
    expect(whatDiffers(header(longer), { seed: 3 }, longer, version)).toBe('the file was edited: its scenario is not the one written');
    expect(whatDiffers(header(file), { seed: 3 }, file, '0.0.1')).toBe(`dsim ${version} wrote it, this is dsim 0.0.1`);
    expect(whatDiffers(header(longer), { seed: 3 }, longer, '0.0.1')).toBe(`the file was edited: its scenario is not the one written; dsim ${version} wrote it, this is dsim 0.0.1`);
    const old = file.replace(/^# scenario digest.*\n/m, '');
    expect(whatDiffers(header(old), { seed: 3 }, old, version)).toBe('the code changed since, or the file was edited (it records no scenario digest to tell)');
    // Line endings a checkout may change are not an edit.
    expect(scenarioDigest(file.replace(/\n/g, '\r\n'))).toBe(scenarioDigest(file));
  });
});
