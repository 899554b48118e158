/** Reading scenario files and directories, and loading a user's protocol module. */
import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { pathToFileURL } from 'node:url';
import type { AnyProtocol, ProtocolDefinition } from '../core/protocol.js';
import { protocolRegistry } from '../protocols/index.js';
import { parseScenarioText, type Scenario } from '../scenario/resolve.js';
import { validateWithProtocol } from '../runner/validate.js';
import { MAX_SCENARIO_BYTES } from '../scenario/yaml.js';
import { UsageError } from './errors.js';

/**
 * Expands files and directories (recursively, sorted) into scenario file paths. A dangling
 * symlink or an unreadable entry is bad input naming the path; a symlink loop is walked once.
 */
export function expandScenarioPaths(inputs: readonly string[]): string[] {
  const out: string[] = [];
  const statOf = (path: string): Stats => {
    try {
      return statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const dangling = code === 'ENOENT' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;
      throw new UsageError(dangling ? 'a symbolic link to nothing (dangling symlink)' : code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${(error as Error).message}`, path);
    }
  };
  const visited = new Set<string>();
  const walk = (dir: string): void => {
    const real = realpathSync(dir);
    if (visited.has(real)) return; // a symlink back up the tree
    visited.add(real);
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch (error) {
      throw new UsageError(`cannot read the directory: ${(error as Error).message}`, dir);
    }
    for (const entry of entries) {
      const path = join(dir, entry);
      const isYaml = /\.ya?ml$/.test(entry);
      // Only what could be a scenario or a directory of them matters: a dangling link named
      // notes.txt is not the user's problem here.
      const link = lstatSync(path, { throwIfNoEntry: false });
      if (link === undefined) continue;
      if (!isYaml && !link.isDirectory() && !link.isSymbolicLink()) continue;
      if (!isYaml && link.isSymbolicLink() && statSync(path, { throwIfNoEntry: false }) === undefined) continue;
      const stats = statOf(path);
      if (stats.isDirectory()) walk(path);
      else if (isYaml) out.push(path);
    }
  };
  for (const input of inputs) {
    if (statOf(input).isDirectory()) walk(input);
    else out.push(input);
  }
  if (out.length === 0) throw new UsageError('no scenario files (.yaml) found', inputs.join(' '));
  return out;
}

export async function loadScenarioFile(path: string, protocols: ReadonlyMap<string, ProtocolDefinition>): Promise<Scenario> {
  let text: string;
  try {
    // A FIFO or a device would block or never end: only regular files of a sane size are read.
    const stats = statSync(path);
    if (!stats.isFile()) throw new UsageError('not a regular file', path);
    if (stats.size > MAX_SCENARIO_BYTES) throw new UsageError(`the file is ${(stats.size / (1 << 20)).toFixed(1)} MB; a scenario file is at most ${MAX_SCENARIO_BYTES >> 20} MB`, path);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read: ${(error as Error).message}`, path);
  }
  const named = protocolField(text);
  let known = protocols;
  if (named !== undefined && !protocols.has(named) && looksLikeModulePath(named)) {
    const module = resolve(dirname(path), named);
    if (!existsSync(module)) throw new UsageError(`no such protocol module ${JSON.stringify(named)} (resolved from the scenario's directory to ${module})`, path, 'protocol');
    known = new Map([...protocols, [named, await loadProtocolModule(module)]]);
  }
  // Check names and role targets are the protocol's to define: validated now (with their lines),
  // not in a worker mid-run.
  return parseScenarioText(text, path, { protocols: known, validate: validateWithProtocol });
}

/** A protocol named by path (`./x.ts`, `../x.js`, `/abs/x.mjs`) rather than by name. */
export function looksLikeModulePath(name: string): boolean {
  return /^\.\.?[\\/]/.test(name) || isAbsolute(name) || /\.[mc]?[jt]s$/.test(name);
}

/** The scenario's top-level `protocol:` string, if the text parses that far (errors are parseScenarioText's to report). */
export function protocolField(text: string): string | undefined {
  try {
    const value = parseDocument(text).get('protocol');
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** What loads a `.ts` module: tsx when installed, else Node's own type stripping, else nothing. */
export type TypeScriptLoader = 'tsx' | 'import' | 'none';

/**
 * tsx (an optional peer dependency: it brings esbuild and its install script) when the project has
 * it; else Node's type stripping when this Node has it on (23.6+ by default, 22.6+ with
 * --experimental-strip-types; `process.features.typescript`); else none.
 */
export function chooseTypeScriptLoader(options: { readonly tsxInstalled: boolean; readonly nodeStripsTypes: boolean }): TypeScriptLoader {
  return options.tsxInstalled ? 'tsx' : options.nodeStripsTypes ? 'import' : 'none';
}

async function tsxInstalled(): Promise<boolean> {
  try {
    await import('tsx/esm/api');
    return true;
  } catch {
    return false;
  }
}

async function typeScriptLoader(): Promise<TypeScriptLoader> {
  const features = process.features as { typescript?: unknown };
  return chooseTypeScriptLoader({ tsxInstalled: await tsxInstalled(), nodeStripsTypes: typeof features.typescript === 'string' });
}

/** Loads so far: each `import()` of a module gets its own URL, hence its own evaluation. */
let moduleLoads = 0;

export const NO_TYPESCRIPT_LOADER =
  `a .ts protocol module needs a TypeScript loader: install tsx in your project (npm install --save-dev tsx), ` +
  `or run Node 23.6+ (or 22.6+ with --experimental-strip-types), or compile the module to .js (Node ${process.versions.node} here)`;

/**
 * Loads a user's protocol module (.ts through tsx or Node's type stripping, or .js/.mjs). It may export a
 * ProtocolDefinition or a bare Protocol, as `default`, `definition` or `protocol`. Every call
 * evaluates the module afresh, so state a module keeps at its top level never crosses from one
 * `dsim run` scenario to the next: through tsx (when installed, for .js too) each import gets its
 * own namespace, relative imports included; through Node's import, the module's URL carries a
 * fresh query (its own relative imports are shared).
 */
export async function loadProtocolModule(path: string): Promise<ProtocolDefinition> {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError('no such protocol module', path);
  let mod: Record<string, unknown>;
  const typescript = ['.ts', '.mts', '.cts'].includes(extname(full));
  const loader = typescript ? await typeScriptLoader() : (await tsxInstalled()) ? 'tsx' : 'import';
  if (loader === 'none') throw new UsageError(NO_TYPESCRIPT_LOADER, path);
  try {
    if (loader === 'tsx') {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(full).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(`${pathToFileURL(full).href}?load=${++moduleLoads}`)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new UsageError(`cannot load the protocol module: ${(error as Error).message.split('\n')[0]}`, path);
  }
  // A .ts file outside an ESM package loads as CommonJS: its exports arrive wrapped in `default`.
  const inner = mod.default as Record<string, unknown> | undefined;
  if (inner !== undefined && typeof inner === 'object' && inner !== null && !('init' in inner) && !('create' in inner)) mod = { ...inner, ...mod, default: inner.default };
  const candidate = [mod.default, mod.definition, mod.protocol].find((x) => typeof x === 'object' && x !== null) as Record<string, unknown> | undefined;
  if (candidate === undefined) {
    throw new UsageError('expected the module to export a Protocol or ProtocolDefinition (as default, `definition` or `protocol`)', path);
  }
  if (typeof candidate.create === 'function' && typeof candidate.parseOptions === 'function' && typeof candidate.name === 'string') {
    return candidate as unknown as ProtocolDefinition;
  }
  for (const handler of ['init', 'onMessage', 'onTimer', 'onRequest']) {
    if (typeof candidate[handler] !== 'function') throw new UsageError(`the exported protocol has no ${handler}() handler`, path);
  }
  if (typeof candidate.name !== 'string') throw new UsageError('the exported protocol has no name', path);
  const protocol = candidate as unknown as AnyProtocol;
  return {
    name: protocol.name,
    summary: `user protocol from ${path}`,
    models: ['kv', 'register', 'counter', 'set', 'broadcast'],
    parseOptions: (raw) => ({ ok: true, value: raw }),
    create: () => protocol,
  };
}

/** Built-ins plus the user's module (which may shadow a built-in name). */
export async function protocolsFor(userModule: string | undefined): Promise<Map<string, ProtocolDefinition>> {
  return protocolRegistry(userModule === undefined ? [] : [await loadProtocolModule(userModule)]);
}
