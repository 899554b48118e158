// Types of mutants.mjs, for the unit tests (test/mutation/).
export interface Position {
  line: number;
  column: number;
}
export interface Location {
  start: Position;
  end: Position;
}
export interface Mutant {
  file: string;
  mutatorName: string;
  replacement: string;
  location: Location;
}
export interface KeyedMutant extends Mutant {
  original: string;
  key: string;
}
export const EXCLUDED: readonly { pattern: RegExp; why: string }[];
export function mutatedFiles(root: string): string[];
export function stratumOf(file: string): string;
export function textAt(lines: readonly string[], location: Location): string;
export function keyMutants(mutants: readonly Mutant[], sources: ReadonlyMap<string, readonly string[]>): KeyedMutant[];
export function listMutants(root: string, files?: readonly string[]): Promise<KeyedMutant[]>;
export function sampleMutants(mutants: readonly KeyedMutant[], options: { seed: string | number; perStratum: number }): (KeyedMutant & { stratum: string })[];
export function mutateRange(m: Mutant): string;
export function fingerprintOf(content: string): string | undefined;
export interface StoredSample {
  seed: string | number;
  perStratum: number;
  added?: { stratum: string; madeAt: string }[];
  mutants: { key: string; stratum: string }[];
}
export function addStrata(sample: StoredSample, current: readonly KeyedMutant[], strata: readonly string[], madeAt: string): { sample: StoredSample; added: number };
