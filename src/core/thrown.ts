/**
 * What a protocol threw, described without trusting it: a thrown value may be anything — an
 * object without a prototype, one whose toString or message getter throws, a 20 MB string. The
 * description never throws and is bounded, so a hostile throw is a finding, not a dsim crash.
 */

/** Longest message kept from a thrown value. */
export const THROWN_MESSAGE_MAX = 2_000;

export interface ThrownDescription {
  /** `Name: message`, one line, at most THROWN_MESSAGE_MAX characters. */
  readonly text: string;
  /** The first lines of the stack, when the value had a readable one. */
  readonly stack?: string;
}

export function describeThrown(thrown: unknown, stackLines = 6): ThrownDescription {
  const read = (get: () => unknown): string | undefined => {
    try {
      const value = get();
      return typeof value === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  };
  let text: string;
  let stack: string | undefined;
  let errorLike = false;
  try {
    errorLike = thrown instanceof Error || (typeof thrown === 'object' && thrown !== null && 'message' in thrown);
  } catch {
    // A proxy that traps even `in`: described as a non-Error value below.
  }
  if (errorLike) {
    const name = read(() => (thrown as Error).name) ?? 'Error';
    const message = read(() => (thrown as Error).message) ?? '(its message could not be read)';
    text = `${name}: ${message}`;
    const fullStack = read(() => (thrown as Error).stack);
    if (fullStack !== undefined) stack = bounded(fullStack.split('\n').slice(0, stackLines).join('\n'), THROWN_MESSAGE_MAX);
  } else {
    text = `threw a non-Error value: ${read(() => String(thrown)) ?? `(a ${typeof thrown} that cannot be shown)`}`;
  }
  const line = bounded(text.replace(/\s*\n\s*/g, ' '), THROWN_MESSAGE_MAX);
  return stack !== undefined ? { text: line, stack } : { text: line };
}

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 30)}… (${text.length.toLocaleString('en-US')} characters)`;
}
