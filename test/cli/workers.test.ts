import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capWorkers } from '../../src/cli/watchdog.js';
import { dsim } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-workers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--workers', () => {
  it('is capped at the cores available unless forced (300 threads asked for once started 311)', () => {
    const cores = availableParallelism();
    expect(capWorkers(300, false)).toEqual({ workers: cores, capped: true });
    expect(capWorkers(300, true)).toEqual({ workers: 300, capped: false });
    expect(capWorkers(1, false)).toEqual({ workers: 1, capped: false });
  });

  it('the campaign header says so', () => {
    const r = dsim(['fuzz', '--protocol', 'broadcast', '--runs', '1', '--seed', '1', '--workers', '300', '--out', join(dir, 'failures')]);
    expect(r.stdout).toMatch(/fuzz broadcast: seed 1, 1 runs?, \d+ workers? \(capped at the cores available; --force-workers for more\)/);
  }, 120_000);
});
