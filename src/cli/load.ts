/** Reading scenario files and directories, and loading a user's protocol module. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { pathToFileURL } from 'node:url';
import type { AnyProtocol, ProtocolDefinition } from '../core/protocol.js';
import { protocolRegistry } from '../protocols/index.js';
import { parseScenarioText, type Scenario } from '../scenario/resolve.js';
import { prepareProtocol } from '../runner/index.js';
import { UsageError } from './errors.js';

/** Expands files and directories (recursively, sorted) into scenario file paths. */
export function expandScenarioPaths(inputs: readonly string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new UsageError('no such file or directory', input);
    if (statSync(input).isDirectory()) {
      const walk = (dir: string): void => {
        for (const entry of readdirSync(dir).sort()) {
          const path = join(dir, entry);
          if (statSync(path).isDirectory()) walk(path);
          else if (/\.ya?ml$/.test(entry)) out.push(path);
        }
      };
      walk(input);
    } else {
      out.push(input);
    }
  }
  if (out.length === 0) throw new UsageError('no scenario files (.yaml) found', inputs.join(' '));
  return out;
}

/**
 * Reads and validates a scenario file. Its `protocol:` may name a module instead of a registered
 * protocol (`protocol: ./my-protocol.ts`), resolved relative to the file: the module is loaded and
 * stands under that name for this file.
 */
export async function loadScenarioFile(path: string, protocols: ReadonlyMap<string, ProtocolDefinition>): Promise<Scenario> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read: ${(error as Error).message}`, path);
  }
  const named = protocolField(text);
  let known = protocols;
  if (named !== undefined && !protocols.has(named) && looksLikeModulePath(named)) {
    const module = resolve(dirname(path), named);
    if (!existsSync(module)) throw new UsageError(`no such protocol module ${JSON.stringify(named)} (resolved from the scenario's directory to ${module})`, path, 'protocol');
    known = new Map([...protocols, [named, await loadProtocolModule(module)]]);
  }
  const scenario = parseScenarioText(text, path, { protocols: known });
  // Check names are the protocol's to define: validate them now, not in a worker mid-run.
  prepareProtocol(scenario);
  return scenario;
}

/** A protocol named by path (`./x.ts`, `../x.js`, `/abs/x.mjs`) rather than by name. */
export function looksLikeModulePath(name: string): boolean {
  return /^\.\.?[\\/]/.test(name) || isAbsolute(name) || /\.[mc]?[jt]s$/.test(name);
}

/** The scenario's top-level `protocol:` string, if the text parses that far (errors are parseScenarioText's to report). */
function protocolField(text: string): string | undefined {
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

async function typeScriptLoader(): Promise<TypeScriptLoader> {
  let tsxInstalled = true;
  try {
    await import('tsx/esm/api');
  } catch {
    tsxInstalled = false;
  }
  const features = process.features as { typescript?: unknown };
  return chooseTypeScriptLoader({ tsxInstalled, nodeStripsTypes: typeof features.typescript === 'string' });
}

export const NO_TYPESCRIPT_LOADER =
  `a .ts protocol module needs a TypeScript loader: install tsx in your project (npm install --save-dev tsx), ` +
  `or run Node 23.6+ (or 22.6+ with --experimental-strip-types), or compile the module to .js (Node ${process.versions.node} here)`;

/**
 * Loads a user's protocol module (.ts through tsx or Node's type stripping, or .js/.mjs). It may export a
 * ProtocolDefinition or a bare Protocol, as `default`, `definition` or `protocol`.
 */
export async function loadProtocolModule(path: string): Promise<ProtocolDefinition> {
  const full = resolve(path);
  if (!existsSync(full)) throw new UsageError('no such protocol module', path);
  let mod: Record<string, unknown>;
  const typescript = ['.ts', '.mts', '.cts'].includes(extname(full));
  const loader = typescript ? await typeScriptLoader() : 'import';
  if (loader === 'none') throw new UsageError(NO_TYPESCRIPT_LOADER, path);
  try {
    if (loader === 'tsx') {
      const { tsImport } = await import('tsx/esm/api');
      mod = (await tsImport(pathToFileURL(full).href, import.meta.url)) as Record<string, unknown>;
    } else {
      mod = (await import(pathToFileURL(full).href)) as Record<string, unknown>;
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
