/** An internal invariant of dsim itself broke: a dsim bug, never a finding about a protocol. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(`dsim internal assertion failed: ${message}`);
    this.name = 'AssertionError';
  }
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** For exhaustive switches on a `kind` tag. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
