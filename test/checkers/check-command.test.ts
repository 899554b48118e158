import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
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

    const model = await usageError(run(file, { model: 'stack' }));
    expect(model.format()).toMatch(/--model: unknown model "stack" \(known: cas-register, counter, fifo-queue, kv, multi-register, mutex, queue, register, set, unique-ids, unordered-queue, list-append, rw-register\)/);

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

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'histories');

describe('dsim check: models, options and results for Jepsen users', () => {
  it('--format edn prints a Knossos-style analysis map', async () => {
    const { code, out } = await run(path.join(fixtures, 'knossos', 'rethink-fail-minimal.edn'), { model: 'cas-register', format: 'edn' });
    expect(code).toBe(EXIT.violated);
    expect(out.startsWith('{:valid? false, :analyzer :dsim, :model "cas-register"')).toBe(true);
    expect(out).toContain(':anomaly :nonlinearizable');
    // The op Knossos names too: process 1's read of 3 (its completion, index 4).
    expect(out).toContain(':op {:process 1, :type :ok, :f :read, :value 3, :index 4}');
    expect(out).toMatch(/:stats \{:operations 4, .* :peak-memory-bytes \d+/);
  });

  it('--json carries valid?, the op and the previous ok, as Jepsen names them', async () => {
    const { out } = await run(path.join(fixtures, 'knossos', 'bad-analysis.edn'), { model: 'cas-register', json: true, initial: '0', nilReadsUnknown: true });
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(parsed['valid?']).toBe(false);
    expect(parsed.model).toBe('cas-register');
    // Knossos: "process 21's read of 2 (index 14)" is the op that cannot be linearized.
    expect(parsed.op).toEqual({ process: 21, type: 'ok', f: 'read', value: 2, index: 14 });
    expect(parsed['previous-ok']).toMatchObject({ type: 'ok', f: 'read', value: 0 });
    const good = JSON.parse((await run(path.join(fixtures, 'knossos', 'cas-register-bug.edn'), { model: 'cas-register', json: true })).out) as Record<string, unknown>;
    expect(good['valid?']).toBe(true);
  });

  it('mutex, multi-register with --initial, and jepsen.independent histories', async () => {
    expect((await run(path.join(fixtures, 'knossos', 'mutex-etcd.edn'), { model: 'mutex' })).code).toBe(EXIT.violated);
    const multi = path.join(fixtures, 'knossos', 'multi-register.edn');
    expect((await run(multi, { model: 'multi-register', initial: '{:x 0 :y 0}' })).code).toBe(EXIT.ok);
    expect((await run(multi, { model: 'multi-register', initial: '{"x": 0, "y": 0}' })).code).toBe(EXIT.ok);
    expect((await run(multi, { model: 'multi-register' })).code).toBe(EXIT.violated);
    const independent = await run(path.join(fixtures, 'derived', 'independent-etcd-005-000.edn'), { model: 'cas-register' });
    expect(independent.code).toBe(EXIT.violated);
    expect(independent.out).toContain('per key: 2 keys, each judged alone (jepsen.independent [k v] values)');
    expect(independent.out).toContain('violation on key "1" (key partition 1)');
    // Read as plain values, the two keys are one register holding pairs: another verdict.
    const plain = await run(path.join(fixtures, 'derived', 'independent-etcd-005-018.edn'), { model: 'cas-register', independent: false });
    expect(plain.code).toBe(EXIT.violated);
    expect(plain.out).not.toContain('per key');
  });

  it('reads Jepsen log and history.txt op lines', async () => {
    expect((await run(path.join(fixtures, 'porcupine', 'etcd_000.log'), { model: 'cas-register' })).code).toBe(EXIT.violated);
    expect((await run(path.join(fixtures, 'porcupine', 'etcd_005.log'), { model: 'cas-register' })).code).toBe(EXIT.ok);
    expect((await run(path.join(fixtures, 'derived', 'etcd_000-history.txt'), { model: 'cas-register' })).code).toBe(EXIT.violated);
  });

  it('an exhausted budget is unknown (exit 2) and says how far the search got', async () => {
    const lines: string[] = [];
    for (let p = 0; p < 12; p++) lines.push(`{:process ${p}, :type :invoke, :f :write, :value ${p}}`);
    for (let p = 0; p < 12; p++) lines.push(`{:process ${p}, :type :ok, :f :write, :value ${p}}`);
    lines.push('{:process 99, :type :invoke, :f :read, :value nil}', '{:process 99, :type :ok, :f :read, :value 99}');
    const file = path.join(dir, 'budget.edn');
    await writeFile(file, lines.join('\n'));
    const states = await run(file, { model: 'register', maxStates: '500' });
    expect(states.code).toBe(EXIT.unknown);
    expect(states.out).toContain('inconclusive: budget of 500 configurations exhausted');
    expect(states.out).toMatch(/how far it got: a linearizable prefix of \d+ of 13 ops \([\d,]+ steps, 500 configurations remembered\)/);
    expect(states.out).toContain('ops still open there');
    const memory = JSON.parse((await run(file, { model: 'register', maxMemory: '20KB', json: true })).out) as { 'valid?': string; cause: string; partial: { longestPrefixLength: number; open: unknown[] }[] };
    expect(memory['valid?']).toBe('unknown');
    expect(memory.cause).toMatch(/memory budget of 19.5 KiB exhausted/);
    expect(memory.partial[0]!.open.length).toBeGreaterThan(0);
    const edn = (await run(file, { model: 'register', maxStates: '500', format: 'edn' })).out;
    expect(edn).toContain('{:valid? :unknown');
  });

  it('the timeout bounds reading too', async () => {
    const file = path.join(dir, 'long.edn');
    await writeFile(file, '{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value nil}\n'.repeat(100_000));
    const { code, out } = await run(file, { model: 'register', timeout: '1ms' });
    expect(code).toBe(EXIT.unknown);
    expect(out).toMatch(/inconclusive: the timeout ran out while reading the history \(at line \d+\)|stopped \(timeout\)/);
  });

  it('refuses bad options and oversized input with the flag or file at fault', async () => {
    const file = path.join(dir, 'copy.edn');
    await copyFile(path.join(fixtures, 'knossos', 'cas-register-bug.edn'), file);
    expect((await usageError(run(file, { model: 'mutex', initial: '0' }))).format()).toMatch(/--initial does not apply to the mutex model/);
    expect((await usageError(run(file, { model: 'register', initial: '{:a' }))).format()).toMatch(/--initial: "\{:a" is not an EDN or JSON value/);
    expect((await usageError(run(file, { model: 'register', format: 'jsonl' }))).format()).toMatch(/--format: expected text, json or edn, got "jsonl" \(the history's own format is --input-format jsonl\)/);
    expect((await usageError(run(file, { model: 'register', maxMemory: 'lots' }))).format()).toMatch(/--max-memory: invalid size "lots"/);
    expect((await usageError(run(file, { model: 'register', maxStates: '-3' }))).format()).toMatch(/--max-states: expected a positive whole number/);
    expect((await usageError(run(file, { model: 'register', maxInput: '100' }))).format()).toMatch(/copy\.edn: 571 bytes, over the input limit of 100 bytes/);
    expect((await usageError(run(file, { model: 'register', inputFormat: 'xml' }))).format()).toMatch(/--input-format: expected edn, jsonl, jepsen-text or auto/);
  });
});

describe('dsim check on any bytes at all', () => {
  it('gives a verdict (exit 0, 1, 2) or refuses them (exit 3), never an internal error', async () => {
    const samples = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        // Near-valid histories: real lines with bytes changed.
        fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }).map(({ at, bytes }) => {
          const base = Buffer.from(`${GOOD}\n`);
          const i = at % base.length;
          return Buffer.concat([base.subarray(0, i), Buffer.from(bytes), base.subarray(i + bytes.length)]);
        }),
      ),
      { seed: 1503, numRuns: 120 },
    );
    const file = path.join(dir, 'bytes.edn');
    const codes = new Set<number>();
    for (const [i, bytes] of samples.entries()) {
      await writeFile(file, bytes);
      for (const model of ['cas-register', 'mutex', 'multi-register']) {
        try {
          codes.add(await runCheckCommand(file, { model, timeout: '5s' }, { out: () => {}, err: () => {} }));
        } catch (error) {
          if (!(error instanceof UsageError)) throw new Error(`sample ${i} (${Buffer.from(bytes).toString('base64')}), model ${model}: ${String(error)}`);
          codes.add(EXIT.badInput);
        }
      }
    }
    expect(codes.has(EXIT.badInput)).toBe(true);
    expect(codes.has(EXIT.ok)).toBe(true);
  });
});
