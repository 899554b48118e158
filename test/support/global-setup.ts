/**
 * Builds dist/ once before the suite: end-to-end tests run the real CLI (node dist/cli/main.js).
 * tsc emits even when some file has a type error; the typecheck step of CI catches those.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'pipe' });
  } catch {
    // Type errors are reported by `npm run typecheck`; what matters here is that JS was emitted.
  }
  if (!existsSync(`${root}/dist/cli/main.js`)) throw new Error('building dist/ failed: dist/cli/main.js is missing');
}
