/** Commands the CLI prints for people to paste: how to call dsim, and how to quote. */
import { isAbsolute, relative } from 'node:path';

/** How printed commands call dsim: works in any project that installed it (`npm install dsim`). */
export const DSIM = 'npx dsim';

/** Quotes a word for a POSIX shell, only when it needs it. */
export function shellQuote(text: string): string {
  return /^[\w./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A path as the user would type it: relative to the working directory when under it. */
export function displayPath(path: string, cwd: string = process.cwd()): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}
