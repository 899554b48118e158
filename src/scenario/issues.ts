/** Problems with a scenario file, each naming the field path and what was expected. */
export interface ScenarioIssue {
  /** Field path inside the file: ['faults', 2, 'crash']. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** A scenario that cannot be run: names the file, each field path and what was expected. */
export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(issues.map((issue) => `${file}: ${formatPath(issue.path)}${issue.message}`).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return '';
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? part : `.${part}`;
  return `${out}: `;
}
