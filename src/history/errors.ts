/** A history file that cannot be read: names the 1-based line at fault. */
export class HistoryParseError extends Error {
  constructor(
    /** 1-based line number in the text. */
    readonly line: number,
    /** What is wrong, without the location. */
    readonly detail: string,
  ) {
    super(`line ${line}: ${detail}`);
    this.name = 'HistoryParseError';
  }
}
