/**
 * Where the conformance histories the linearizability benchmark reads live, and whether they are
 * there: the benchmark is skipped (and says so) rather than dying on missing optional data.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function conformanceDir(): string {
  return process.env.DSIM_CONFORMANCE_DIR ?? path.join(repoRoot, 'test', 'fixtures', 'conformance');
}

/**
 * Why the conformance benchmark cannot run here (its data is missing: a $DSIM_CONFORMANCE_DIR that
 * points nowhere, or a copy without test/fixtures), or undefined when it can.
 */
export function conformanceMissing(dir: string = conformanceDir()): string | undefined {
  const expected = path.join(dir, 'porcupine', 'expected.json');
  return existsSync(expected) ? undefined : `no conformance data: ${expected} does not exist (unset DSIM_CONFORMANCE_DIR, or point it at a directory with porcupine/expected.json)`;
}
