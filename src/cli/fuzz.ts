/**
 * `dsim fuzz` and `dsim replay`: registered on the program by registerFuzzCommands.
 * (Filled in by the fuzz work, issue 7.)
 */
import type { Command } from 'commander';
import type { ExitCode } from './errors.js';
import type { Io } from './run.js';

export function registerFuzzCommands(_program: Command, _setExit: (code: ExitCode) => void, _io: Io): void {}
