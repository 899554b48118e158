/**
 * A protocol whose state exploration cannot hash faithfully (a function, a class instance, a
 * cycle, a symbol) is bad input: `dsim explore` exits 3 with one line naming the protocol, the
 * node and the path inside its state, on the first state that holds it. Through the real CLI,
 * with a user's protocol module (test/fixtures/explore/not-plain.mjs).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { valueHash } from '../../src/explore/fingerprint.js';
import { explain } from '../../src/explore/plain-data.js';
import { dsim } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dsim-not-plain-'));
const module = 'test/fixtures/explore/not-plain.mjs';
const SUPPORTED = /; dsim explore needs plain data in node state, durable state, messages and replies: objects without a class, arrays, strings, numbers, booleans, bigints, null, undefined, Map and Set, without cycles$/;

describe('dsim explore on state that is not plain data', () => {
  it.each([
    ['function', "node n1's state.pending[2].resolve is a function"],
    ['class', "node n1's state.log is an instance of class Log (not plain data"],
    ['cycle', "node n1's state.peers.n2.back is node n1's state.peers again (a cycle)"],
    ['symbol', "node n1's state.tag is a symbol (leader)"],
  ])('%s: exit 3, one line naming the protocol, the node and the path', (holds, where) => {
    const file = join(dir, `${holds}.yaml`);
    writeFileSync(file, readFileSync('test/fixtures/explore/not-plain.yaml', 'utf8').replace('holds: function', `holds: ${holds}`));
    const run = dsim(['explore', file, '--module', module, '--out', dir, '--no-progress']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${file}: not-plain: ${where}`);
    expect(lines[0]).toMatch(SUPPORTED);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('state hashing', () => {
  it('tells apart a bigint from its digits, and undefined from null', () => {
    expect(valueHash(10n)).not.toBe(valueHash('10'));
    expect(valueHash([undefined])).not.toBe(valueHash([null]));
    expect(valueHash(new Map([['k', undefined]]))).not.toBe(valueHash(new Map([['k', null]])));
    // As JSON: an undefined field is an absent one.
    expect(valueHash({ a: 1, b: undefined })).toBe(valueHash({ a: 1 }));
  });

  it('refuses what it cannot hash faithfully', () => {
    for (const value of [{ f: () => 1 }, [Symbol('s')], { d: new Date(0) }]) expect(() => valueHash(value)).toThrow('not plain data');
    const cycle: Record<string, unknown> = {};
    cycle['self'] = { back: cycle };
    expect(() => valueHash(cycle)).toThrow('not plain data');
  });

  it('explains the first value that is not plain data, with its path', () => {
    expect(explain({ a: [1, new Map([['k', { f: () => 1 }]])] }, 'state')).toBe('state.a[1].get("k").f is a function');
    expect(explain({ at: new Date(0) }, 'state')).toBe('state.at is a Date (not plain data)');
    expect(explain({ s: new Set([1, Symbol('x')]) }, 'state')).toBe('state.s.values()[1] is a symbol (x)');
    expect(explain({ 'a b': [1, 'a', null, undefined, 2n, { b: true }], m: new Map([[{ k: 1 }, 2]]), o: Object.create(null) as object }, 'state')).toBeUndefined();
  });
});
