import chalk from 'chalk';
import { beforeAll, describe, expect, it } from 'vitest';
import { plural } from '../../src/core/plural.js';
import { expectationText, formatTotals } from '../../src/cli/format.js';
import type { RunResult } from '../../src/runner/index.js';

beforeAll(() => {
  chalk.level = 0;
});

const result = (expected: RunResult['expected'], expectation: RunResult['expectation'], verdicts: Record<string, 'pass' | 'fail' | 'unknown'>): RunResult =>
  ({ scenario: 's', expected, expectation, checks: Object.entries(verdicts).map(([name, verdict]) => ({ name, verdict, detail: '' })) }) as unknown as RunResult;

describe('result wording', () => {
  it('says a scenario written to break held when it broke as expected, and says why a broken one broke', () => {
    expect(expectationText(result('pass', 'held', { durable: 'pass' }))).toBe('HELD: every check passed, as expected');
    expect(expectationText(result({ violates: ['durable'] }, 'held', { durable: 'fail', liveness: 'pass' }))).toBe('HELD: durable broke, as expected');
    expect(expectationText(result('pass', 'broken', { durable: 'fail', liveness: 'pass' }))).toBe('BROKEN: durable failed, expected to pass');
    expect(expectationText(result({ violates: ['durable'] }, 'broken', { durable: 'pass', liveness: 'fail' }))).toBe('BROKEN: liveness failed, expected to pass; durable held, expected to break');
    expect(expectationText(result('pass', 'inconclusive', { linearizable: 'unknown' }))).toBe('INCONCLUSIVE: linearizable could not decide (expected: pass)');
  });

  it('totals a run of several scenarios, naming the ones that did not go as expected', () => {
    expect(formatTotals([{ scenario: 'a', expectation: 'held' }])).toBe('1 scenario: 1 as expected');
    expect(formatTotals([{ scenario: 'a', expectation: 'held' }, { scenario: 'b', expectation: 'broken' }, { scenario: 'c', expectation: 'inconclusive' }])).toBe('3 scenarios: 1 as expected, 1 broken (b), 1 inconclusive (c)');
  });

  it('plural', () => {
    expect([plural(0, 'op'), plural(1, 'op'), plural(2, 'key'), plural(1_000, 'entry', 'entries')]).toEqual(['0 ops', '1 op', '2 keys', '1,000 entries']);
  });
});
