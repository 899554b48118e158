/**
 * Every conformance case must get its known verdict. The data is vendored under
 * test/fixtures/conformance (source and licence in SOURCE.md there); $DSIM_CONFORMANCE_DIR points
 * the suite at another copy.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, getModel } from '../../src/checkers/linearizability/index.js';
import { parseHistory } from '../../src/history/index.js';

interface ConformanceCase {
  readonly file: string;
  readonly model: string;
  readonly linearizable?: boolean;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const conformanceDir = process.env.DSIM_CONFORMANCE_DIR ?? path.join(repoRoot, 'test', 'fixtures', 'conformance');
const expectedFile = path.join(conformanceDir, 'porcupine', 'expected.json');
describe('linearizability conformance (Porcupine test data)', () => {
  const cases: ConformanceCase[] = (JSON.parse(readFileSync(expectedFile, 'utf8')) as { cases: ConformanceCase[] }).cases;

  it('lists the 108 cases', () => {
    expect(cases).toHaveLength(108);
  });

  it.each(cases.map((c) => [c.file, c] as const))('%s', (_name, c) => {
    const model = getModel(c.model);
    expect(model, `model ${c.model}`).toBeDefined();
    const { events } = parseHistory(readFileSync(path.join(conformanceDir, 'porcupine', c.file), 'utf8'));
    const result = checkLinearizability(events, model!);
    expect(result.kind).toBe(c.linearizable === false ? 'not-linearizable' : 'linearizable');
  });

  it('parses the empty etcd_095 (no verdict) as an empty, linearizable history', () => {
    const file = path.join(conformanceDir, 'porcupine', 'etcd', 'etcd_095.edn');
    if (!existsSync(file)) return;
    const { events } = parseHistory(readFileSync(file, 'utf8'));
    expect(events).toEqual([]);
    expect(checkLinearizability(events, getModel('cas-register')!).kind).toBe('linearizable');
  });
});
