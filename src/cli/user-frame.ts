/**
 * Where in the user's code a handler threw: the first stack frame outside dsim itself (its dist/
 * and src/) and outside Node, as `path:line:column` relative to the working directory.
 */
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dsim's own code: dist/ and src/ of this package. */
const OWN = ['dist', 'src'].map((dir) => fileURLToPath(new URL(`../../${dir}/`, import.meta.url)));

export function userFrame(stack: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (stack === undefined) return undefined;
  for (const line of stack.split('\n').slice(1)) {
    const at = /^\s*at (?:.*? \()?(.+?)\)?$/.exec(line);
    if (at === null) continue;
    const location = at[1]!;
    if (location.startsWith('node:') || location === 'native' || location.startsWith('<anonymous>')) continue;
    if (location.startsWith('data:')) {
      // A module compiled in memory (tsx, outside an ESM package): the file is known, the line is not.
      const file = /[?&]filePath=([^&:?]+)/.exec(location)?.[1];
      return file === undefined ? undefined : `${show(decodeURIComponent(file).replace(/\?.*$/, ''), cwd)} (line unknown)`;
    }
    const where = /^(.*?):(\d+):(\d+)$/.exec(location);
    if (where === null) continue;
    const path = where[1]!.startsWith('file://') ? fileURLToPath(where[1]!) : where[1]!;
    if (OWN.some((own) => path.startsWith(own))) continue;
    return `${show(path, cwd)}:${where[2]}:${where[3]}`;
  }
  return undefined;
}

function show(path: string, cwd: string): string {
  if (!isAbsolute(path)) return path;
  const rel = relative(cwd, path);
  return rel.startsWith(`..${sep}`) || rel === '..' ? path : rel;
}
