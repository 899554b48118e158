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

/** Reading was stopped by a `shouldStop` callback (the CLI's timeout): not a fault of the text. */
export class ParseStopped extends Error {
  constructor(
    /** 1-based line reached. */
    readonly line: number,
  ) {
    super(`stopped while reading line ${line}`);
    this.name = 'ParseStopped';
  }
}
