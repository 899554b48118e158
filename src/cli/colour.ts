/**
 * Whether output is coloured. chalk decides from the terminal and FORCE_COLOR; on top of that,
 * `--no-color` (anywhere on the command line) and a non-empty NO_COLOR (no-color.org) turn colour
 * off. Decided once per command, before anything is printed; worker threads are told the outcome.
 */
import chalk, { supportsColor } from 'chalk';

/** Removes `--no-color` from argv and sets chalk's level. Returns the remaining argv. */
export function decideColour(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const off = argv.includes('--no-color') || (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '');
  chalk.level = off || supportsColor === false ? 0 : supportsColor.level;
  return argv.filter((a) => a !== '--no-color');
}

/** Columns the tables may use: the terminal's width, or COLUMNS; undefined (no limit) otherwise. */
export function outputWidth(env: NodeJS.ProcessEnv, stdout: { readonly isTTY?: boolean; readonly columns?: number }): number | undefined {
  const fromEnv = Number(env['COLUMNS']);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return stdout.isTTY === true && typeof stdout.columns === 'number' && stdout.columns > 0 ? stdout.columns : undefined;
}
