/**
 * `assertHeld(result)`: for test suites (vitest, jest, node:test, fast-check properties). Returns
 * quietly when the run's expectation held; otherwise throws an Error whose message says which
 * checks went against the expectation, with their details and the findings, and how to replay.
 */
import type { RunResult } from './run.js';

export class ExpectationError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
    this.name = 'ExpectationError';
  }
}

export function assertHeld(result: RunResult): void {
  if (result.expectation === 'held') return;
  const mustFail = new Set(result.expected === 'pass' ? [] : result.expected.violates);
  const against = result.checks.filter((c) => c.verdict === 'unknown' || c.verdict !== (mustFail.has(c.name) ? 'fail' : 'pass'));
  const lines = [
    `${result.scenario} (${result.protocol}${result.flaws.length > 0 ? ` with flaws ${result.flaws.join(', ')}` : ''}, seed ${result.seed}): ` +
      `${result.expectation.toUpperCase()}, expected ${result.expected === 'pass' ? 'every check to pass' : `${[...mustFail].join(', ')} to break`}`,
    ...against.map((c) => `  ${c.verdict === 'fail' ? '✗' : c.verdict === 'pass' ? '✓' : '?'} ${c.name}: ${c.verdict === 'pass' ? 'held, expected to break' : c.detail}`),
    ...result.findings.filter((f) => f.kind !== 'invariant').map((f) => `  finding ${f.kind}${f.node !== undefined ? ` on ${f.node}` : ''} at ${f.timeUs}µs: ${f.message}`),
    `  trace hash ${result.traceHash}; the same scenario and seed replay this run exactly (dsim run with --seed ${result.seed})`,
  ];
  throw new ExpectationError(lines.join('\n'), result);
}
