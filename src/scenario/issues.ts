/** Problems with a scenario file, each located by field path and, when read from text, by line. */

export interface ScenarioIssue {
  /** Field path inside the file: ['faults', 2, 'crash']. */
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** Where in the file to point, when not at `path` (an unknown field: the field itself, not its mapping). */
  readonly locateAt?: readonly (string | number)[];
  /** 1-based line and column in the file, when the scenario was read from text. */
  readonly line?: number;
  readonly column?: number;
}

/** Longest message one issue may print: an echoed value never floods the terminal. */
export const ISSUE_MESSAGE_MAX = 400;

/** A scenario that cannot be run: names the file, each field path (and line) and what was expected. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(issues.map((issue) => formatIssue(file, issue)).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** `file:line:column: path: message` (what is unknown left out), bounded in length. */
export function formatIssue(file: string, issue: ScenarioIssue): string {
  const where = issue.line !== undefined ? `${file}:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}` : file;
  const message = issue.message.length > ISSUE_MESSAGE_MAX ? `${issue.message.slice(0, ISSUE_MESSAGE_MAX - 1)}…` : issue.message;
  return `${where}: ${formatPath(issue.path)}${message}`;
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '';
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return `${out}: `;
}
