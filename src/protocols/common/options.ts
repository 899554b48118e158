/** Glue between zod schemas and the protocol contract's `parseOptions`, and shared option types. */
import { z } from 'zod';
import type { OptionsResult } from '../../core/protocol.js';
import { parseDurationUs } from '../../core/time.js';
import { didYouMean } from '../../core/suggest.js';

/** A duration as scenario files write it (`150ms`, `2s`, `1m`, `250us`, or a bare number of µs), in µs. */
export const durationUs = z.union([z.string(), z.number()]).transform((raw, ctx) => {
  const us = parseDurationUs(raw);
  if (us === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as 150ms, 2s, 1m or 250us, got ${JSON.stringify(raw)}` });
    return z.NEVER;
  }
  return us;
});

/** A duration that must be longer than zero. */
export const positiveDurationUs = durationUs.refine((us) => us > 0, { message: 'must be longer than 0' });

/** Wraps a zod schema as a `parseOptions` that reports each issue with its path inside `options`. */
export function zodOptions<S extends z.ZodType>(schema: S): (raw: unknown) => OptionsResult<z.output<S>> {
  return (raw) => {
    const result = schema.safeParse(raw ?? {});
    if (result.success) return { ok: true, value: result.data };
    return {
      ok: false,
      issues: result.error.issues.map((issue) => ({
        path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
        message: issue.code === 'unrecognized_keys' ? unknownKeysMessage('option', issue.keys, knownKeysAt(schema, issue.path)) : issue.message,
      })),
    };
  };
}

/**
 * The field names a zod schema accepts at `path` (an object's keys, through optional, default,
 * pipe, union and array wrappers), for "did you mean" on unknown fields. Empty when unknowable.
 */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  const visit = (node: unknown, rest: readonly PropertyKey[], depth: number): void => {
    if (depth > 40 || node === null || typeof node !== 'object') return;
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def === undefined) return;
    switch (def['type']) {
      case 'object': {
        const shape = def['shape'] as Record<string, unknown>;
        if (rest.length === 0) for (const k of Object.keys(shape)) keys.add(k);
        else if (typeof rest[0] === 'string' && rest[0] in shape) visit(shape[rest[0]], rest.slice(1), depth + 1);
        return;
      }
      case 'array':
        if (typeof rest[0] === 'number') visit(def['element'], rest.slice(1), depth + 1);
        return;
      case 'record':
        if (rest.length > 0) visit(def['valueType'], rest.slice(1), depth + 1);
        return;
      case 'union':
        for (const option of def['options'] as unknown[]) visit(option, rest, depth + 1);
        return;
      case 'intersection':
        visit(def['left'], rest, depth + 1);
        visit(def['right'], rest, depth + 1);
        return;
      case 'pipe':
        visit(def['in'], rest, depth + 1);
        return;
      case 'lazy':
        visit((def['getter'] as () => unknown)(), rest, depth + 1);
        return;
      default:
        if (def['innerType'] !== undefined) visit(def['innerType'], rest, depth + 1);
    }
  };
  visit(schema, path, 0);
  return [...keys];
}

/** `unknown option foo (did you mean "fooUs"?)`: one message for unrecognized keys. */
export function unknownKeysMessage(noun: string, unknown: readonly string[], known: readonly string[]): string {
  const names = unknown.map((key) => `${key}${didYouMean(key, known)}`);
  return `unknown ${noun}${unknown.length > 1 ? 's' : ''} ${names.join(', ')}`;
}
