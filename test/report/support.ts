/** Runs report fixtures through the real runner with a full trace, for the report tests. */
import { readFileSync } from 'node:fs';
import { runScenario, type RunResult } from '../../src/runner/index.js';
import { parseScenarioText } from '../../src/scenario/index.js';
import type { ReportData } from '../../src/report/html.js';
import { TraceRecorder, type TraceEvent } from '../../src/trace/events.js';

export const lostFixture = 'test/fixtures/report/broadcast-lost.yaml';
/** A stale replica read: the linearizability violation the report explains. */
export const staleFixture = 'test/fixtures/report/stale-replica-read.yaml';

export interface RecordedRun {
  readonly result: RunResult;
  readonly events: TraceEvent[];
  readonly truncated: boolean;
}

export function recordRun(file: string, limit?: number): RecordedRun {
  const scenario = parseScenarioText(readFileSync(file, 'utf8'), file);
  const recorder = new TraceRecorder(limit);
  const result = runScenario(scenario, { trace: recorder });
  return { result, events: recorder.events, truncated: recorder.truncated };
}

/** Extracts and parses the JSON data block of a rendered report. */
export function reportDataOf(html: string): ReportData {
  const match = /<script type="application\/json" id="dsim-data">([\s\S]*?)<\/script>/.exec(html);
  if (match === null) throw new Error('no data block in the report');
  return JSON.parse(match[1]!) as ReportData;
}
