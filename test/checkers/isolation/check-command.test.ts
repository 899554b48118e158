import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheckCommand } from '../../../src/cli/check.js';
import { EXIT, UsageError } from '../../../src/cli/errors.js';
import { parseEdnHistory, toEdn } from '../../../src/history/index.js';
import { txnHistory } from './support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dsim-txn-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Elle's README example: G1c between T1 and T2, revealed by T3's read of x. */
const ELLE_EXAMPLE = [
  '{:type :invoke, :f :txn, :value [[:append :x 1] [:r :y nil]], :process 0, :index 0}',
  '{:type :invoke, :f :txn, :value [[:append :x 2] [:append :y 1]], :process 1, :index 1}',
  '{:type :ok, :f :txn, :value [[:append :x 1] [:r :y [1]]], :process 0, :index 2}',
  '{:type :ok, :f :txn, :value [[:append :x 2] [:append :y 1]], :process 1, :index 3}',
  '{:type :invoke, :f :txn, :value [[:r :x nil]], :process 2, :index 4}',
  '{:type :ok, :f :txn, :value [[:r :x [1 2]]], :process 2, :index 5}',
  '{:type :info, :f :start, :process :nemesis, :value nil}',
].join('\n');

async function run(file: string, options: Parameters<typeof runCheckCommand>[1]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runCheckCommand(file, options, { out: (s) => (out += s), err: () => undefined });
  return { code, out };
}

describe('dsim check --model list-append | rw-register', () => {
  it('finds the G1c of a Jepsen EDN history, with every edge explained (exit 1)', async () => {
    const file = path.join(dir, 'elle.edn');
    await writeFile(file, ELLE_EXAMPLE);
    const { code, out } = await run(file, { model: 'list-append' });
    expect(code).toBe(EXIT.violated);
    expect(out).toContain(`${file}: NOT STRICT-SERIALIZABLE (model list-append)`);
    expect(out).toContain('weakest model violated: read-committed');
    expect(out).toContain('- T2 appended 1 to y, T1 read y = [1], so T2 → T1 (wr)');
    expect(out).toContain('- T1 appended 1 to x and T2 appended 2 right after it (T3 read x = [1 2]), so T1 → T2 (ww)');
  });

  it('exits 0 when the anomalies found are allowed by the consistency model asked for', async () => {
    const file = path.join(dir, 'skew.jsonl');
    const history = txnHistory([
      { p: 0, ops: [['r', 'x', null], ['append', 'y', 1]], start: 0, end: 10 },
      { p: 1, ops: [['r', 'y', null], ['append', 'x', 2]], start: 1, end: 11 },
      { p: 2, ops: [['r', 'x', [2]], ['r', 'y', [1]]], start: 20, end: 30 },
    ]);
    await writeFile(file, history.map((e) => JSON.stringify(e)).join('\n'));
    const si = await run(file, { model: 'list-append', consistency: 'snapshot-isolation' });
    expect(si.code).toBe(EXIT.ok);
    expect(si.out).toContain('VALID under snapshot-isolation');
    expect(si.out).toContain('G2-item (allowed by snapshot-isolation)');
    const json = await run(file, { model: 'list-append', consistency: 'serializable', json: true });
    expect(json.code).toBe(EXIT.violated);
    const parsed = JSON.parse(json.out) as { valid: boolean; anomalyTypes: string[]; anomalies: { steps: { kind: string }[] }[] };
    expect(parsed.valid).toBe(false);
    expect(parsed.anomalyTypes).toEqual(['G2-item']);
    expect(parsed.anomalies[0]!.steps.map((s) => s.kind)).toEqual(['rw', 'rw']);
  });

  it('writes the HTML view with the cycle drawn and the history escaped', async () => {
    const file = path.join(dir, 'elle2.edn');
    await writeFile(file, ELLE_EXAMPLE.replaceAll(':y', '"<y>"'));
    const html = path.join(dir, 'elle.html');
    const { code, out } = await run(file, { model: 'list-append', html });
    expect(code).toBe(EXIT.violated);
    expect(out).toContain(`report: ${html}`);
    const page = await readFile(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('data-type="G1c"');
    expect(page).not.toContain('<y>');
    expect(page).toContain('&lt;y&gt;');
  });

  it('bad input names the file, the line and the rule', async () => {
    const file = path.join(dir, 'dup.edn');
    await writeFile(file, [
      '{:type :invoke, :f :txn, :value [[:append 1 5]], :process 0}',
      '{:type :ok, :f :txn, :value [[:append 1 5]], :process 0}',
      '{:type :invoke, :f :txn, :value [[:append 1 5]], :process 1}',
      '{:type :ok, :f :txn, :value [[:append 1 5]], :process 1}',
    ].join('\n'));
    const error = await run(file, { model: 'list-append' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).format()).toBe(`${file}: line 3: T1 and T2 both append 5 to 1: list-append needs every appended value to be unique per key`);
    const shape = path.join(dir, 'shape.edn');
    await writeFile(shape, '{:type :invoke, :f :txn, :value [[:append 1]], :process 0}\n');
    expect(((await run(shape, { model: 'list-append' }).catch((e: unknown) => e)) as UsageError).format()).toBe(`${shape}: line 1: micro-op 0 must be [f key value], got ["append",1]`);
    await expect(run(shape, { model: 'list-append', consistency: 'linearizable' })).rejects.toThrow(/unknown consistency model "linearizable"/);
  });

  it('writes transactions back as Elle reads them: micro-op names as keywords', () => {
    const history = txnHistory([{ p: 0, ops: [['append', 3, 5], ['r', 4, [1, 2]]] }]);
    const text = toEdn(history);
    expect(text).toContain(':f :txn, :value [[:append 3 5] [:r 4 nil]]');
    expect(text).toContain(':value [[:append 3 5] [:r 4 [1 2]]]');
    expect(parseEdnHistory(text).map((e) => e.value)).toEqual(history.map((e) => e.value));
  });
});
