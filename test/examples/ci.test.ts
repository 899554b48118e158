/**
 * The campaign examples run here, as written: the shell commands of the GitHub Actions matrix and
 * of the Kubernetes Indexed Job run locally (a shim puts `npx dsim` on this checkout's CLI), with
 * the matrix value or JOB_COMPLETION_INDEX set the way the runner sets it, and a few small
 * overrides (run count, protocol) so they finish in seconds. Then their merge step runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'dsim-examples-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const bin = join(scratch, 'bin');
mkdirSync(bin);
// `npx dsim ...` -> this checkout's CLI; nothing is fetched from a registry.
writeFileSync(join(bin, 'npx'), '#!/bin/sh\nexec "$@"\n');
writeFileSync(join(bin, 'dsim'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(repoRoot, 'dist/cli/main.js'))} "$@"\n`);
chmodSync(join(bin, 'npx'), 0o755);
chmodSync(join(bin, 'dsim'), 0o755);

function shell(shellPath: string, script: string, cwd: string, env: Record<string, string>): { code: number; out: string } {
  const r = spawnSync(shellPath, ['-c', script], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', ...env, PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

function campaign(dir: string): Record<string, unknown> & { runs: number; shardsMissing: number[]; failures: Array<Record<string, unknown>> } {
  return JSON.parse(readFileSync(join(dir, 'fuzz-campaign.json'), 'utf8')) as ReturnType<typeof campaign>;
}

interface Step {
  readonly name?: string;
  readonly run?: string;
}

describe('campaign examples', () => {
  it('GitHub Actions: every matrix shard, then the merge job', () => {
    const workflow = parse(readFileSync(join(repoRoot, 'examples/ci/github-actions-fuzz.yml'), 'utf8')) as {
      env: Record<string, string>;
      jobs: { shard: { strategy: { matrix: { shard: number[] } }; steps: Step[] }; merge: { steps: Step[] } };
    };
    const shards = workflow.jobs.shard.strategy.matrix.shard;
    expect(String(shards.length)).toBe(workflow.env['SHARDS']);
    const fuzzStep = workflow.jobs.shard.steps.find((s) => s.name === 'fuzz one shard')!.run!;
    const mergeStep = workflow.jobs.merge.steps.find((s) => s.name === 'merge the shards')!.run!;
    const dir = join(scratch, 'gha');
    mkdirSync(join(dir, 'shards'), { recursive: true });
    const env = { ...workflow.env, RUNS: '8', FUZZ_ARGS: '', PROTOCOL: 'broadcast', GITHUB_RUN_NUMBER: '7' };
    for (const shard of shards) {
      const r = shell('/bin/bash', fuzzStep.replaceAll('${{ matrix.shard }}', String(shard)), dir, env);
      expect(r.code, r.out).toBe(0);
      // actions/download-artifact puts each artifact in a directory of its name.
      renameSync(join(dir, `shard-${shard}`), join(dir, 'shards', `fuzz-shard-${shard}`));
    }
    const merged = shell('/bin/bash', mergeStep, dir, env);
    expect(merged.code, merged.out).toBe(0);
    expect(merged.out).toContain(`${shards.length} of ${shards.length} shards, 8 runs requested`);
    expect(campaign(join(dir, 'campaign'))).toMatchObject({ runs: 8, shardsMissing: [], failed: 0, seed: 7 });
  });

  it('Kubernetes Indexed Job: every completion index, then the merge Job', () => {
    const [job, mergeJob] = parseAllDocuments(readFileSync(join(repoRoot, 'examples/ci/kubernetes-fuzz-job.yaml'), 'utf8')).map((d) => d.toJS()) as Array<{
      spec: { completions?: number; template: { spec: { containers: Array<{ env: Array<{ name: string; value: string }>; args: string[] }>; initContainers?: Array<{ env: Array<{ name: string; value: string }>; args: string[] }> } } };
    }>;
    const container = job!.spec.template.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env['SHARDS']).toBe(String(job!.spec.completions));
    const results = join(scratch, 'k8s');
    mkdirSync(results);
    const overrides = { SHARDS: '2', RUNS: '20', FUZZ_ARGS: '--protocol broadcast --flaws no-retry --shrink-budget 20', RESULTS: results };
    for (let index = 0; index < 2; index++) {
      const r = shell('/bin/sh', container.args[0]!, scratch, { ...env, ...overrides, JOB_COMPLETION_INDEX: String(index) });
      expect(r.code, r.out).toBe(0); // failures found (exit 1) still complete the pod
      expect(existsSync(join(results, `shard-${index}`, `fuzz-summary-${index + 1}-of-2.json`))).toBe(true);
    }
    const wait = mergeJob!.spec.template.spec.initContainers![0]!;
    expect(shell('/bin/sh', wait.args[0]!, scratch, { ...Object.fromEntries(wait.env.map((e) => [e.name, e.value])), ...overrides }).code).toBe(0);
    const merge = mergeJob!.spec.template.spec.containers[0]!;
    const merged = shell('/bin/sh', merge.args[0]!, scratch, { ...Object.fromEntries(merge.env.map((e) => [e.name, e.value])), ...overrides });
    expect(merged.code, merged.out).toBe(1); // the flaw was found
    const result = campaign(join(results, 'campaign'));
    expect(result).toMatchObject({ runs: 20, shardsMissing: [], seed: Number(env['SEED']) });
    expect(result.failures.length).toBeGreaterThan(0);
    for (const failure of result.failures) expect(existsSync(String(failure['file']))).toBe(true);
  });
});
