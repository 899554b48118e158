// Types of planted-lib.mjs, for the unit tests (test/mutation/).
export interface Size {
  faults: number;
  nodes: number;
  durationMs: number;
  clients: number;
  ops?: number;
}
export interface Outcome {
  found: boolean;
  runs?: number;
  runsToFind?: number;
  kind?: string;
  checks?: string[];
  shrunk?: Size;
}
export function parsePatch(name: string, text: string): { name: string; protocol: string; what: string };
export function campaignOutcome(summary: { runs: number; failures?: { index: number; kind: string; failed: { name: string }[]; after: Size }[] }): Outcome;
export function summarizeSeeds(outcomes: readonly Outcome[]): { foundIn: number; seeds: number; runsToFind: number[]; checks: string[] };
export function describeSize(size: Size | undefined): string;
