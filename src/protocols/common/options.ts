/** Glue between zod schemas and the protocol contract's `parseOptions`, and shared option types. */
import { z } from 'zod';
import type { OptionsResult } from '../../core/protocol.js';
import { parseDurationUs } from '../../core/time.js';

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
        message: issue.code === 'unrecognized_keys' ? `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message,
      })),
    };
  };
}
