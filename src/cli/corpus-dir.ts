/**
 * `dsim fuzz --corpus DIR`: the coverage corpus on disk, so a campaign can be resumed. Each entry
 * is one JSON file (`entries/000042.json`: the genome, its features, what found it), written
 * atomically as it is found; `campaign.json` says which campaign wrote the directory and how far
 * it got. Starting a campaign on a directory loads every entry for the same protocol (their
 * features count as covered) and, when the campaign seed is the one recorded, goes on from the
 * next run instead of repeating the runs already done.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Corpus, CorpusEntry } from '../fuzz/index.js';
import { writeFileAtomic } from './atomic.js';
import { UsageError } from './errors.js';

interface CampaignRecord {
  readonly protocol: string;
  readonly seed: number;
  /** The next run index of that campaign (in its own numbering, shards apart). */
  readonly next: number;
  readonly shard: string;
}

export interface LoadedCorpus {
  readonly entries: number;
  readonly skipped: number;
  /** Where the campaign goes on: 0 unless the directory holds this very campaign. */
  readonly firstRun: number;
}

const ENTRIES = 'entries';
const CAMPAIGN = 'campaign.json';

/** Loads the directory's entries for `protocol` into `corpus`. A missing directory is an empty corpus. */
export function loadCorpusDir(dir: string, corpus: Corpus, campaign: { readonly protocol: string; readonly seed: number; readonly shard: string }): LoadedCorpus {
  if (!existsSync(dir)) return { entries: 0, skipped: 0, firstRun: 0 };
  let skipped = 0;
  let entries = 0;
  const entryDir = join(dir, ENTRIES);
  const files = existsSync(entryDir) ? readdirSync(entryDir).filter((f) => f.endsWith('.json')).sort() : [];
  for (const file of files) {
    const path = join(entryDir, file);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new UsageError(`${path}: not a corpus entry (${(error as Error).message})`);
    }
    const entry = parsed as Partial<CorpusEntry> & { protocol?: unknown };
    const valid =
      typeof entry === 'object' && entry !== null && typeof entry.genome === 'object' && Array.isArray(entry.features) && entry.features.every((f) => Number.isInteger(f) && f >= 0) && typeof entry.id === 'number';
    if (!valid) throw new UsageError(`${path}: not a corpus entry (expected id, protocol, genome and features)`);
    // Another protocol's entries share the directory only by mistake; they cannot seed this one.
    if (entry.protocol !== campaign.protocol) {
      skipped++;
      continue;
    }
    corpus.load({ id: entry.id!, genome: entry.genome!, features: entry.features!, foundBy: entry.foundBy ?? { seed: -1, index: -1 } });
    entries++;
  }
  let firstRun = 0;
  const recordPath = join(dir, CAMPAIGN);
  if (existsSync(recordPath)) {
    const record = JSON.parse(readFileSync(recordPath, 'utf8')) as Partial<CampaignRecord>;
    if (record.protocol === campaign.protocol && record.seed === campaign.seed && record.shard === campaign.shard && typeof record.next === 'number') firstRun = record.next;
  }
  return { entries, skipped, firstRun };
}

/** Writes one new entry. */
export function saveCorpusEntry(dir: string, protocol: string, entry: CorpusEntry): void {
  const { picks: _picks, ...kept } = entry;
  writeFileAtomic(join(dir, ENTRIES, `${String(entry.id).padStart(6, '0')}.json`), `${JSON.stringify({ protocol, ...kept })}\n`);
}

/** Records how far the campaign got, so the same command on the same directory goes on from there. */
export function saveCampaignRecord(dir: string, record: CampaignRecord): void {
  writeFileAtomic(join(dir, CAMPAIGN), `${JSON.stringify(record)}\n`);
}
