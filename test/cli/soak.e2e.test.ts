import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsim } from '../support/cli.js';

const scenario = 'scenarios/raft/leader-isolated.yaml';

describe('dsim run --soak (end to end)', () => {
  it('streams the history to the file, judges it in windows with the same verdicts and trace, and reports on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dsim-soak-'));
    const kept = dsim(['run', scenario, '--json', '--history', join(dir, 'kept.jsonl')]);
    const soak = dsim(['run', scenario, '--json', '--soak', '--history', join(dir, 'soak.jsonl')]);
    expect(soak.code).toBe(0);
    const a = JSON.parse(kept.stdout) as { traceHash: string; checks: Array<{ name: string; verdict: string; detail: string }> };
    const b = JSON.parse(soak.stdout) as typeof a;
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.checks.map((c) => [c.name, c.verdict])).toEqual(a.checks.map((c) => [c.name, c.verdict]));
    expect(b.checks.find((c) => c.name === 'linearizable')?.detail).toMatch(/checked in [\d,]+ windows between quiescent points/);
    expect(readFileSync(join(dir, 'soak.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'kept.jsonl'), 'utf8'));
    expect(soak.stderr).toMatch(/^soak {2}13s virtual in [\d.]+s wall, [\d.]+s CPU, peak rss [\d,]+ MB$/m);
  });

  it('judges protocol checks that read only the final node states, as any run does', () => {
    const file = 'scenarios/leaderless/sloppy-quorum-hinted-handoff.yaml';
    const kept = JSON.parse(dsim(['run', file, '--json']).stdout) as { checks: Array<{ name: string; verdict: string; detail: string }> };
    const soak = JSON.parse(dsim(['run', file, '--json', '--soak']).stdout) as typeof kept;
    const converged = (r: typeof kept) => r.checks.find((c) => c.name === 'replicas-converged');
    expect(converged(soak)).toEqual(converged(kept));
    expect(converged(soak)?.verdict).toBe('pass');
    // A check over the history is still not judged when streamed.
    expect(soak.checks.find((c) => c.name === 'lost-updates')?.verdict).toBe('unknown');
  });

  it('refuses what needs the whole trace', () => {
    const r = dsim(['run', scenario, '--soak', '--html', 'x.html']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--soak streams the history and keeps no trace; it does not combine with --html');
  });
});
