#!/usr/bin/env node
/**
 * Writes test/fixtures/histories/derived/ from the vendored real histories beside it: the same
 * ops in the other layouts Jepsen users have (Knossos tuples, one op per line with a byte-order
 * mark and CRLF, Jepsen 0.3's tagged records, history.txt, jepsen.independent keys). Run it
 * after changing a source fixture: `node scripts/derive-history-fixtures.mjs`.
 *
 * Deliberately independent of dsim's parser: plain regular expressions over the simple, regular
 * source files, so the parser is tested against text it did not write.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'histories');
const out = path.join(root, 'derived');
mkdirSync(out, { recursive: true });
const read = (file) => readFileSync(path.join(root, file), 'utf8');
const write = (file, text) => writeFileSync(path.join(out, file), text);

/** Op maps of a Knossos file, one per match: {process, type, f, value} as EDN source text. */
function knossosOps(text) {
  const ops = [];
  const map = /\{([^{}]*)\}/g;
  for (const m of text.replace(/;[^\n]*/g, '').matchAll(map)) {
    const fields = {};
    for (const f of m[1].matchAll(/:(process|type|f|value)\s+(\[[^\]]*\]|[^,\s}]+)/g)) fields[f[1]] = f[2];
    ops.push(fields);
  }
  return ops;
}

/** Jepsen log op lines of a Porcupine etcd log: [process, type, f, value, error?] as text. */
function logOps(text) {
  return text
    .split('\n')
    .filter((line) => line.includes('jepsen.util - '))
    .map((line) => line.slice(line.indexOf('jepsen.util - ') + 'jepsen.util - '.length).split('\t'));
}

// Knossos's [process type f value] tuples, one per line.
const minimal = knossosOps(read('knossos/rethink-fail-minimal.edn'));
write(
  'rethink-fail-minimal-tuples.edn',
  `; Knossos's rethink-fail-minimal.edn as [process type f value] tuples\n${minimal.map((o) => `[${o.process} ${o.type} ${o.f} ${o.value}]`).join('\n')}\n`,
);

// One op map per line, with a byte-order mark and Windows line endings.
const bug = knossosOps(read('knossos/cas-register-bug.edn'));
write('cas-register-bug-lines-bom.edn', `\uFEFF${bug.map((o) => `{:process ${o.process}, :type ${o.type}, :f ${o.f}, :value ${o.value}}`).join('\r\n')}\r\n`);

// Jepsen 0.3's history.edn: one tagged Op record per line, with :index and :time in ns.
write(
  'cas-register-bug-jepsen-0.3.edn',
  bug.map((o, i) => `#jepsen.history.Op{:index ${i}, :time ${1_000_000 * (i + 1)}, :type ${o.type}, :process ${o.process}, :f ${o.f}, :value ${o.value}}`).join('\n') + '\n',
);

// history.txt: the log's op lines without the logger's prefix.
const etcd0 = logOps(read('porcupine/etcd_000.log'));
write('etcd_000-history.txt', etcd0.map((fields) => fields.join('\t')).join('\n') + '\n');

/**
 * jepsen.independent: two etcd histories as keys 0 and 1 of one history (values [k v]),
 * interleaved by position; the second key's processes are renumbered to stay disjoint.
 */
function independent(first, second) {
  const a = logOps(read(first)).map(([p, type, f, value]) => ({ p: Number(p), type, f, value, key: 0 }));
  const b = logOps(read(second)).map(([p, type, f, value]) => ({ p: Number(p) + 1000, type, f, value, key: 1 }));
  const merged = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) merged.push(a[i]);
    if (i < b.length) merged.push(b[i]);
  }
  return (
    merged
      .map((o) => {
        // A timed-out read's value was :timed-out; an :info op's value is the error.
        const value = o.value === ':timed-out' ? 'nil' : o.value;
        return `{:process ${o.p}, :type ${o.type}, :f ${o.f}, :value [${o.key} ${value}]}`;
      })
      .join('\n') + '\n'
  );
}
write('independent-etcd-005-018.edn', independent('porcupine/etcd_005.log', 'porcupine/etcd_018.log'));
write('independent-etcd-005-000.edn', independent('porcupine/etcd_005.log', 'porcupine/etcd_000.log'));
