/**
 * The one progress line of the command line (directory runs, seed sweeps, fuzz campaigns): drawn
 * on stderr only when stderr is a terminal and output is not JSON, and cleared before any other
 * line is printed so it never mixes with the results.
 */
import cliProgress from 'cli-progress';
import type { Io } from './run.js';

export interface Progress {
  /** Moves the bar to `value` and sets the named fields of the format. */
  update(value: number, fields?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressSpec {
  /** cli-progress format, e.g. `run [{bar}] {value}/{total} scenarios | {scenario}`. */
  readonly format: string;
  readonly total: number;
  readonly fields?: Record<string, string | number>;
}

/** True when a progress line belongs on this terminal. */
export function progressWanted(options: { readonly json?: boolean; readonly progress?: boolean }, stderr: { readonly isTTY?: boolean } = process.stderr): boolean {
  return options.json !== true && options.progress !== false && stderr.isTTY === true;
}

/** Starts a bar, or returns undefined when `enabled` is false (then callers print as usual). */
export function startProgress(spec: ProgressSpec, enabled: boolean, stream: NodeJS.WritableStream = process.stderr): Progress | undefined {
  if (!enabled) return undefined;
  const bar = new cliProgress.SingleBar({ stream, format: spec.format, hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
  bar.start(spec.total, 0, spec.fields ?? {});
  return {
    update: (value, fields) => bar.update(value, fields ?? {}),
    stop: () => bar.stop(),
  };
}

/** An Io whose lines first clear the progress line (it redraws on its next update). */
export function besideProgress(io: Io, progress: Progress | undefined, stream: NodeJS.WritableStream = process.stderr): Io {
  if (progress === undefined) return io;
  const clear = (): void => void stream.write('\r\x1b[2K');
  return {
    out: (text) => {
      clear();
      io.out(text);
    },
    err: (text) => {
      clear();
      io.err(text);
    },
  };
}
