/**
 * zod's issues in the words of a scenario author: a union field names its alternatives (or, when
 * the value plainly meant one of them, what that one is missing) instead of "Invalid input"; a
 * missing field is "required"; echoed values are capped.
 */
import type { z } from 'zod';
import { shortJson } from '../core/short-json.js';
import type { ScenarioIssue } from './issues.js';
import { unknownKeysMessage } from '../protocols/common/options.js';

/** A value from the file, quoted for a message: at most this long. */
export const ECHO_MAX = 60;

export function echo(value: unknown): string {
  return shortJson(value, ECHO_MAX);
}

const LATENCY =
  'a duration (5ms) or a distribution: { dist: constant, value }, { dist: uniform, min, max }, { dist: exponential, mean, min? } or { dist: long-tail, base, tail, p }';

/** What each union field accepts, by its last path segment (and, for ambiguous names, its parent). */
const UNION_HINTS: ReadonlyArray<{ readonly test: (path: readonly (string | number)[]) => boolean; readonly hint: string }> = [
  { test: (p) => p[0] === 'network' && ['latency', 'base', 'tail'].includes(String(p[p.length - 1])), hint: LATENCY },
  { test: (p) => p.length === 1 && p[0] === 'heal', hint: 'false (no heal phase) or { quiesce: a duration, restart: true|false }' },
  { test: (p) => p.length === 1 && p[0] === 'expect', hint: 'pass, or { violates: [names of checks that must fail] }' },
  { test: (p) => p.length === 1 && p[0] === 'seed', hint: 'a whole number (0 or more) or a non-empty string' },
  { test: (p) => p[p.length - 1] === 'keyDistribution', hint: 'uniform, zipfian, or { zipfian: an exponent above 0 }' },
];

type Issue = z.core.$ZodIssue;
type Path = readonly (string | number)[];

/** The fields a mapping at `path` may have, for "did you mean" on unknown ones. */
type KnownKeys = (path: Path) => readonly string[];

export function describeZodIssues(issues: readonly Issue[], base: Path = [], knownKeys: KnownKeys = () => []): ScenarioIssue[] {
  return issues.flatMap((issue) => describeOne(issue, base, knownKeys));
}

function describeOne(issue: Issue, base: Path, knownKeys: KnownKeys): ScenarioIssue[] {
  const path = [...base, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  const got = 'input' in issue && issue.input !== undefined ? `, got ${echo(issue.input)}` : '';
  switch (issue.code) {
    case 'invalid_union': {
      if (issue.errors.every((branch) => branch.some((i) => i.path.length === 0 && i.code === 'invalid_type' && 'input' in i && i.input === undefined))) {
        return [{ path, message: 'required' }];
      }
      // Branches the value plainly did not mean: wrong type or literal for the whole value, or a
      // discriminator (`dist: uniform`) that names another branch.
      const meant = issue.errors.filter((branch) => !branch.some((i) => mismatchesBranch(i)));
      if (meant.length === 1) return describeZodIssues(meant[0]!, path, knownKeys);
      const hint = UNION_HINTS.find((h) => h.test(path))?.hint ?? alternatives(issue.errors);
      return [{ path, message: `expected ${hint}${got}` }];
    }
    case 'unrecognized_keys': {
      const keys = issue.keys.slice(0, 5).map((k) => (k.length > ECHO_MAX ? `${k.slice(0, ECHO_MAX)}…` : k));
      const more = issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : '';
      return [{ path, locateAt: [...path, issue.keys[0]!], message: `${unknownKeysMessage('field', keys, knownKeys(path))}${more} (see docs/SCENARIOS.md)` }];
    }
    case 'invalid_type':
      if ('input' in issue && issue.input === undefined) return [{ path, message: `required: ${issue.expected === 'object' ? 'a mapping' : `a ${issue.expected}`}` }];
      return [{ path, message: `expected ${issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`}${got}` }];
    case 'invalid_value':
      return [{ path, message: `expected ${issue.values.map((v) => echo(v)).join(' or ')}${got}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

function mismatchesBranch(issue: Issue): boolean {
  if (issue.path.length === 0) {
    // A nested union (a duration is a string or a number) mismatches when all of its branches do.
    if (issue.code === 'invalid_union') return issue.errors.every((branch) => branch.some(mismatchesBranch));
    return issue.code === 'invalid_type' || issue.code === 'invalid_value';
  }
  return issue.path.length === 1 && issue.code === 'invalid_value' && issue.values.length === 1;
}

/** "a string or a mapping" — what each branch wanted at the top. */
function alternatives(branches: readonly (readonly Issue[])[]): string {
  const wants = new Set<string>();
  for (const branch of branches) {
    const top = branch.find((i) => i.path.length === 0) ?? branch[0];
    if (top === undefined) continue;
    if (top.code === 'invalid_type') wants.add(top.expected === 'object' ? 'a mapping' : `a ${top.expected}`);
    else if (top.code === 'invalid_value') for (const v of top.values) wants.add(echo(v));
    else wants.add(top.message);
  }
  return [...wants].join(' or ') || 'another value';
}
