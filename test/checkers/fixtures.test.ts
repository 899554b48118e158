/**
 * Real histories in every layout and for every model, with the verdicts their sources assert
 * (test/fixtures/histories/SOURCE.md): Knossos's own good/ and bad/ data, Porcupine's Jepsen
 * logs, and the derived layouts (tuples, one op per line with a BOM, Jepsen 0.3 records,
 * history.txt, jepsen.independent).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkLinearizability, createModel } from '../../src/checkers/linearizability/index.js';
import type { ModelOptions } from '../../src/checkers/linearizability/index.js';
import { parseHistory } from '../../src/history/index.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'histories');
/** Knossos checks its cas-register data with (cas-register 0), whose nil reads mean "unknown". */
const KNOSSOS_REGISTER: ModelOptions = { initial: 0, nilReadsUnknown: true };

const cases: readonly [file: string, model: string, options: ModelOptions, linearizable: boolean][] = [
  ['knossos/bad-analysis.edn', 'cas-register', {}, false],
  ['knossos/bad-analysis.edn', 'cas-register', KNOSSOS_REGISTER, false],
  ['knossos/immediate-failure.edn', 'cas-register', KNOSSOS_REGISTER, false],
  ['knossos/rethink-fail-minimal.edn', 'cas-register', {}, false],
  ['knossos/cas-register-bug.edn', 'cas-register', KNOSSOS_REGISTER, true],
  ['knossos/mongodb-v0-ack-rollback-11.edn', 'cas-register', {}, true],
  ['knossos/multi-register.edn', 'multi-register', { initial: { x: 0, y: 0 } }, true],
  ['knossos/mutex-etcd.edn', 'mutex', {}, false],
  ['porcupine/etcd_000.log', 'cas-register', {}, false],
  ['porcupine/etcd_005.log', 'cas-register', {}, true],
  ['porcupine/etcd_100.log', 'cas-register', {}, true],
  ['derived/rethink-fail-minimal-tuples.edn', 'cas-register', {}, false],
  ['derived/cas-register-bug-lines-bom.edn', 'cas-register', KNOSSOS_REGISTER, true],
  ['derived/cas-register-bug-jepsen-0.3.edn', 'cas-register', {}, true],
  ['derived/etcd_000-history.txt', 'cas-register', {}, false],
  ['derived/independent-etcd-005-018.edn', 'cas-register', {}, true],
  ['derived/independent-etcd-005-000.edn', 'cas-register', {}, false],
];

describe('real histories get their sources\' verdicts', () => {
  it.each(cases.map((c) => [`${c[0]} (${c[1]} ${JSON.stringify(c[2])})`, c] as const))('%s', (_name, [file, modelName, options, linearizable]) => {
    const created = createModel(modelName, options);
    if (!('model' in created)) throw new Error(created.problem);
    const { events } = parseHistory(readFileSync(path.join(fixtures, file), 'utf8'));
    expect(checkLinearizability(events, created.model).kind).toBe(linearizable ? 'linearizable' : 'not-linearizable');
  });

  it('the multi-register history needs its initial values: x and y start at 0', () => {
    const { events } = parseHistory(readFileSync(path.join(fixtures, 'knossos/multi-register.edn'), 'utf8'));
    expect(checkLinearizability(events, (createModel('multi-register') as { model: never }).model).kind).toBe('not-linearizable');
  });

  it('a jepsen.independent history is judged per key, naming the key at fault', () => {
    const { events } = parseHistory(readFileSync(path.join(fixtures, 'derived/independent-etcd-005-000.edn'), 'utf8'));
    const result = checkLinearizability(events, (createModel('cas-register') as { model: never }).model);
    expect(result.stats.keys).toEqual({ source: 'independent', keys: 2 });
    expect(result.kind === 'not-linearizable' && result.evidence[0]!.key).toBe('1');
  });
});
