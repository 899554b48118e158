import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../src/cli/check.js';
import { EXIT, UsageError } from '../../src/cli/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dsim-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const GOOD = [
  '{:process 0, :type :invoke, :f :write, :value 1}',
  '{:process 1, :type :invoke, :f :read, :value nil}',
  '{:process 0, :type :ok, :f :write, :value 1}',
  '{:process 1, :type :ok, :f :read, :value 1}',
  '{:process 2, :type :invoke, :f :cas, :value [1 2]}',
  '{:process 2, :type :info, :f :cas, :value nil, :error :timed-out}',
].join('\n');

const BAD = [
  '{:process 0, :type :invoke, :f :write, :value 1}',
  '{:process 0, :type :ok, :f :write, :value 1}',
  '{:process 1, :type :invoke, :f :read, :value nil}',
  '{:process 1, :type :ok, :f :read, :value "<script>alert(1)</script>"}',
].join('\n');

async function run(file: string, options: Parameters<typeof runCheckCommand>[1]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCheckCommand(file, options, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}

async function usageError(promise: Promise<unknown>): Promise<UsageError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('dsim check', () => {
  it('exits 0 for a linearizable history, with a readable summary', async () => {
    const file = path.join(dir, 'good.edn');
    await writeFile(file, GOOD);
    const { code, out } = await run(file, { model: 'cas-register' });
    expect(code).toBe(EXIT.ok);
    expect(out).toContain('LINEARIZABLE (model cas-register)');
    expect(out).toMatch(/ops: 3 \(ok 2, fail 0, info 1\)/);
  });

  it('exits 1 for a violation and names the ops involved', async () => {
    const file = path.join(dir, 'bad.edn');
    await writeFile(file, BAD);
    const { code, out } = await run(file, { model: 'register' });
    expect(code).toBe(EXIT.violated);
    expect(out).toContain('NOT LINEARIZABLE');
    expect(out).toMatch(/process 1: read\(\) -> "<script>alert\(1\)<\/script>"\s+\[invoke 2, ok 3\]/);
    expect(out).toContain('the model rejects it');
  });

  it('--json prints one JSON object', async () => {
    const file = path.join(dir, 'bad.edn');
    const { code, out } = await run(file, { model: 'register', json: true });
    expect(code).toBe(EXIT.violated);
    const parsed = JSON.parse(out) as { verdict: string; evidence: { cannotPlace: { op: { process: number } }[] }[] };
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(parsed.verdict).toBe('not-linearizable');
    expect(parsed.evidence[0]!.cannotPlace[0]!.op.process).toBe(1);
  });

  it('--html writes an escaped, self-contained report atomically', async () => {
    const file = path.join(dir, 'bad.edn');
    const html = path.join(dir, 'report.html');
    const { out } = await run(file, { model: 'register', html });
    expect(out).toContain(`report: ${html}`);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).not.toMatch(/<(link|img|iframe)\b|src=|https?:\/\//);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('reads JSON lines too', async () => {
    const file = path.join(dir, 'good.jsonl');
    await writeFile(
      file,
      [
        '{"index":0,"type":"invoke","process":0,"f":"add","value":2}',
        '{"index":1,"type":"ok","process":0,"f":"add","value":2}',
        '{"index":2,"type":"invoke","process":0,"f":"read","value":null}',
        '{"index":3,"type":"ok","process":0,"f":"read","value":2}',
      ].join('\n'),
    );
    expect((await run(file, { model: 'counter' })).code).toBe(EXIT.ok);
  });

  it('exits 2 when the timeout ends the search', async () => {
    // 16 concurrent writes and a read of a value nobody wrote: exhaustive work.
    const lines: string[] = [];
    for (let p = 0; p < 16; p++) lines.push(`{:process ${p}, :type :invoke, :f :write, :value ${p}}`);
    for (let p = 0; p < 16; p++) lines.push(`{:process ${p}, :type :ok, :f :write, :value ${p}}`);
    lines.push('{:process 99, :type :invoke, :f :read, :value nil}', '{:process 99, :type :ok, :f :read, :value 99}');
    const file = path.join(dir, 'hard.edn');
    await writeFile(file, lines.join('\n'));
    const { code, out } = await run(file, { model: 'register', timeout: '1ms' });
    expect(code).toBe(EXIT.unknown);
    expect(out).toContain('UNKNOWN');
  });

  it('bad input is a UsageError (exit 3) naming the file and line', async () => {
    expect(EXIT.badInput).toBe(3);
    const file = path.join(dir, 'malformed.edn');
    await writeFile(file, `${GOOD.split('\n').slice(0, 2).join('\n')}\n[1 2 3]\n`);
    const malformed = await usageError(run(file, { model: 'cas-register' }));
    expect(malformed.format()).toBe(`${file}: line 3: expected an op map {:process .., :type .., :f .., :value ..} or a [process type f value] tuple, found a vector`);

    const missing = await usageError(run(path.join(dir, 'nope.edn'), { model: 'register' }));
    expect(missing.format()).toBe(`${path.join(dir, 'nope.edn')}: no such file`);

    const model = await usageError(run(file, { model: 'queue' }));
    expect(model.format()).toMatch(/--model: unknown model "queue" \(known: cas-register, counter, kv, register, set, list-append, rw-register\)/);

    const timeout = await usageError(run(file, { model: 'register', timeout: 'soon' }));
    expect(timeout.format()).toMatch(/--timeout: invalid duration/);

    const wrongOp = path.join(dir, 'wrong-op.edn');
    await writeFile(wrongOp, '{:process 0, :type :invoke, :f :cas, :value [1 2]}\n{:process 0, :type :ok, :f :cas, :value [1 2]}\n');
    const unknownOp = await usageError(run(wrongOp, { model: 'register' }));
    expect(unknownOp.format()).toMatch(/wrong-op\.edn: line 1: model register: process 0 cas: the register model has no cas/);

    const unpaired = path.join(dir, 'unpaired.edn');
    await writeFile(unpaired, '{:process 0, :type :ok, :f :read, :value nil}\n');
    expect((await usageError(run(unpaired, { model: 'register' }))).format()).toMatch(/unpaired\.edn: line 1: process 0 completes an op it never invoked/);
  });
});
