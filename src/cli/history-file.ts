/** Reading a history file for `dsim check`, whichever checker judges it. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../core/bytes.js';
import type { HistoryEvent } from '../core/history.js';
import { HistoryParseError, parseHistory, type HistoryFormat } from '../history/index.js';
import { UsageError } from './errors.js';

export interface HistoryFile {
  readonly events: HistoryEvent[];
  /** The 1-based line of each event. */
  readonly lines: number[];
  /** `line N` of the event with this history index (for error messages), if there is one. */
  lineOfEvent(eventIndex: number): string | undefined;
}

export interface ReadHistoryOptions {
  /** Refuse files larger than this (their parsed form takes about ten times their size). */
  readonly maxInputBytes?: number;
  /** Polled while parsing: true stops it with a ParseStopped (the caller's timeout). */
  readonly shouldStop?: () => boolean;
}

/** The longest text Node can hold (2^29 - 24 UTF-16 units): a file beyond cannot be read whole. */
export const MAX_TEXT_BYTES = 2 ** 29 - 24;

/**
 * Reads and parses a history; unreadable, oversized or malformed files become a UsageError
 * naming the file and line. A ParseStopped (from `shouldStop`) passes through.
 */
export async function readHistoryFile(historyPath: string, format: HistoryFormat | 'auto' | undefined, options: ReadHistoryOptions = {}): Promise<HistoryFile> {
  const maxInputBytes = Math.min(options.maxInputBytes ?? MAX_TEXT_BYTES, MAX_TEXT_BYTES);
  let text: string;
  try {
    const info = await stat(historyPath);
    if (info.isDirectory()) throw new UsageError('is a directory', historyPath);
    if (info.size > maxInputBytes) {
      throw new UsageError(
        `${formatBytes(info.size)}, over the input limit of ${formatBytes(maxInputBytes)} (a history takes about ten times its size in memory; raise the limit with --max-input, and Node's heap with NODE_OPTIONS=--max-old-space-size=MB)`,
        historyPath,
      );
    }
    text = await readFile(historyPath, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? (error as Error).message})`;
    throw new UsageError(why, historyPath);
  }
  try {
    const parsed = parseHistory(text, chooseFormat(historyPath, format), options.shouldStop === undefined ? {} : { shouldStop: options.shouldStop });
    const { events, lines } = parsed;
    return {
      events,
      lines,
      lineOfEvent: (eventIndex) => {
        const k = events.findIndex((e) => e.index === eventIndex);
        return k < 0 ? undefined : `line ${lines[k]}`;
      },
    };
  } catch (error) {
    if (error instanceof HistoryParseError) throw new UsageError(error.detail, historyPath, `line ${error.line}`);
    throw error;
  }
}

function chooseFormat(file: string, format: HistoryFormat | 'auto' | undefined): HistoryFormat | 'auto' {
  if (format !== undefined && format !== 'auto') return format;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.edn') return 'edn';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'auto';
}
