/** Reading a history file for `dsim check`, whichever checker judges it. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
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

/** Reads and parses a history; unreadable or malformed files become a UsageError naming the line. */
export async function readHistoryFile(historyPath: string, format: 'edn' | 'jsonl' | 'auto' | undefined): Promise<HistoryFile> {
  let text: string;
  try {
    text = await readFile(historyPath, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot read (${code ?? (error as Error).message})`;
    throw new UsageError(why, historyPath);
  }
  try {
    const parsed = parseHistory(text, chooseFormat(historyPath, format));
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

function chooseFormat(file: string, format: 'edn' | 'jsonl' | 'auto' | undefined): HistoryFormat | 'auto' {
  if (format !== undefined && format !== 'auto') return format;
  const ext = path.extname(file).toLowerCase();
  if (ext === '.edn') return 'edn';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  return 'auto';
}
