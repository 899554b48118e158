import { describe, expect, it } from 'vitest';
import { definition } from '../../../src/protocols/master-slave/index.js';

describe('master-slave options', () => {
  it('fills in defaults and resolves durations to µs', () => {
    const parsed = definition.parseOptions({});
    expect(parsed).toEqual({
      ok: true,
      value: {
        mode: 'async',
        k: 1,
        semiSyncTimeoutUs: undefined,
        reads: 'primary',
        failover: 'none',
        promotion: 'most-up-to-date',
        clientEpochs: false,
        heartbeatUs: 50_000,
        failureTimeoutUs: 300_000,
        maxBatch: 256,
        maxPendingWrites: 1000,
      },
    });
    const semi = definition.parseOptions({ mode: 'semi-sync', k: 2, semiSyncTimeout: '1.5s', heartbeat: '20ms', failureTimeout: 100000 });
    expect(semi.ok && semi.value).toMatchObject({ mode: 'semi-sync', k: 2, semiSyncTimeoutUs: 1_500_000, heartbeatUs: 20_000, failureTimeoutUs: 100_000 });
  });

  it('names the path of every bad option', () => {
    const bad = definition.parseOptions({ mode: 'quorum', heartbeat: 'soon', extra: 1 });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    const paths = bad.issues.map((i) => i.path.join('.'));
    expect(paths).toContain('mode');
    expect(paths).toContain('heartbeat');
    expect(bad.issues.find((i) => i.path.length === 0)?.message).toMatch(/unknown option extra/);
  });

  it('rejects options that do not apply to the chosen mode or failover', () => {
    const bad = definition.parseOptions({ mode: 'async', k: 1, semiSyncTimeout: '1s', promotion: 'first-to-notice' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.map((i) => i.path.join('.')).sort()).toEqual(['k', 'promotion', 'semiSyncTimeout']);
    expect(definition.parseOptions({ mode: 'semi-sync', semiSyncTimeout: '0ms' }).ok).toBe(false);
    expect(definition.parseOptions({ mode: 'semi-sync', k: 0 }).ok).toBe(false);
  });

  it('describes itself for the registry', () => {
    expect(definition.name).toBe('master-slave');
    expect(definition.models).toEqual(['kv']);
  });
});
