/** Glue between zod schemas and the protocol contract's `parseOptions`. */
import type { z } from 'zod';
import type { OptionsResult } from '../../core/protocol.js';

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
