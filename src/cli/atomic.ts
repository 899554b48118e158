/**
 * Output files: written atomically (a finding is never lost to a half-written file), checked
 * before a long run starts (so a typo in `--out` does not cost the campaign), and their
 * temporary files removed when the user interrupts.
 */
import { accessSync, closeSync, constants, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { UsageError } from './errors.js';

let counter = 0;

/** The temporary name a file is written under before it is renamed into place. */
export function tempPathFor(path: string, tag: string | number = counter++): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${tag}.tmp`);
}

/** Writes to a temporary file in the same directory, then renames it over the target. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = tempPathFor(path);
  try {
    writeFileSync(temp, content);
    renameSync(temp, path);
  } catch (error) {
    removeQuietly(temp);
    throw error;
  }
}

/** Removes a file if it is there; never throws (it is cleanup after another failure). */
export function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing there to remove, or nothing we may remove: either way nothing is left of ours.
  }
}

/** Removes what this process left of writes to `path` (an interrupted run's trace, say). */
export function removeTempFiles(path: string): void {
  const prefix = `.${basename(path)}.${process.pid}.`;
  let entries: string[];
  try {
    entries = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const entry of entries) if (entry.startsWith(prefix) && entry.endsWith('.tmp')) removeQuietly(join(dirname(path), entry));
}

/**
 * Refuses, before anything runs, an output file that cannot be written: its directory cannot be
 * created or written, or the path is a directory. `flag` names the option in the message.
 */
export function checkOutputFile(path: string, flag: string): void {
  let stats;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw new UsageError(`cannot write there: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, path, flag);
  }
  if (stats?.isDirectory() === true) throw new UsageError('is a directory; expected a file name', path, flag);
  checkWritableDir(dirname(path), flag, path);
}

/** Refuses an output directory that cannot be created or written (`--out`). */
export function checkOutputDir(dir: string, flag: string): void {
  checkWritableDir(dir, flag, dir);
}

function checkWritableDir(dir: string, flag: string, shown: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot write there: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, shown, flag);
  }
}

/**
 * A file written piece by piece (a trace, a streamed history) into a temporary file, renamed into
 * place by close(): readers never see half a file. Buffered in 1 MB writes. Writing never throws:
 * a full disk or an unwritable directory costs this file, not the run, and close() says why.
 */
export class AtomicStreamFile {
  private readonly temp: string;
  private fd: number | undefined;
  private buffer: string[] = [];
  private size = 0;
  /** Why writing stopped, if it did: the run goes on, the file is reported as lost. */
  private failure: string | undefined;

  constructor(
    private readonly path: string,
    tag?: string,
  ) {
    this.temp = tempPathFor(path, tag);
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.temp, 'w');
    } catch (error) {
      this.failure = (error as Error).message;
    }
  }

  write(text: string): void {
    if (this.failure !== undefined) return;
    this.buffer.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) this.flush();
  }

  /** Renames the file into place; returns why it could not be written, if so. */
  close(): string | undefined {
    this.flush();
    try {
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
      if (this.failure === undefined) renameSync(this.temp, this.path);
    } catch (error) {
      this.failure ??= (error as Error).message;
    }
    if (this.failure !== undefined) removeQuietly(this.temp);
    return this.failure;
  }

  private flush(): void {
    if (this.buffer.length === 0 || this.failure !== undefined || this.fd === undefined) return;
    try {
      writeSync(this.fd, this.buffer.join(''));
    } catch (error) {
      this.failure = (error as Error).message;
    }
    this.buffer = [];
    this.size = 0;
  }
}
