/** Exit codes, the same for every command (Jepsen's and Maelstrom's convention, plus 3). */
export const EXIT = {
  /** Every expectation held / the history is valid. */
  ok: 0,
  /** A property was violated. */
  violated: 1,
  /** Inconclusive: a checker's budget ran out. */
  unknown: 2,
  /** Bad input or usage. */
  badInput: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Bad input or usage: printed as one clear message (no stack trace) and exit code 3.
 * `file` and `where` (a field path or a line number) locate the problem for the user.
 */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }

  /** `file: where: message`, omitting what is unknown. */
  format(): string {
    return [this.file, this.where, this.message].filter((part) => part !== undefined && part !== '').join(': ');
  }
}
