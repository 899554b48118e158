import { readFileSync } from 'node:fs';

/** dsim's version, from package.json (recorded in failure files, printed by --version). */
export function dsimVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
