/** Atomic file writes: a finding is never lost to a half-written file. */
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

let counter = 0;

/** Writes to a temporary file in the same directory, then renames it over the target. */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  writeFileSync(temp, content);
  renameSync(temp, path);
}

/**
 * A file written piece by piece (a trace, a streamed history) into a temporary file, renamed into
 * place by close(): readers never see half a file. Buffered in 1 MB writes.
 */
export class AtomicStreamFile {
  private readonly temp: string;
  private readonly fd: number;
  private buffer: string[] = [];
  private size = 0;

  constructor(private readonly path: string) {
    const dir = dirname(path);
    mkdirSync(dir, { recursive: true });
    this.temp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
    this.fd = openSync(this.temp, 'w');
  }

  write(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
    if (this.size > 1 << 20) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
    renameSync(this.temp, this.path);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.size = 0;
  }
}
