/**
 * The package a stranger installs: what `npm pack` would ship, its dependencies, and the CLI
 * running from an install that has no tsx (an optional peer: only `.ts` protocol modules need it).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseTypeScriptLoader } from '../../src/cli/load.js';
import { repoRoot } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, unknown> | string | string[]>;
const scratch = mkdtempSync(join(tmpdir(), 'dsim-package-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the package', () => {
  it('ships a licence, the build, its sources for the source maps, docs and examples, and no build cache', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
    const files = new Set((JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path));
    for (const needed of ['LICENSE', 'README.md', 'package.json', 'dist/cli/main.js', 'dist/index.d.ts', 'dist/fuzz/index.js', 'examples/ci/kubernetes-fuzz-job.yaml']) expect(files).toContain(needed);
    const shipped = [...files];
    expect(shipped.filter((f) => f.includes('tsbuildinfo') || /\.test\.[jt]s$/.test(f) || f.startsWith('test/'))).toEqual([]);
    // Every source map points at files the package ships.
    const dangling: string[] = [];
    for (const map of shipped.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(repoRoot, map), 'utf8')) as { sources: string[] };
      for (const source of sources) if (!files.has(normalize(join(dirname(map), source)))) dangling.push(`${map} -> ${source}`);
    }
    expect(dangling).toEqual([]);
    expect(readFileSync(join(repoRoot, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(pkg['license']).toBe('MIT');
  });

  it('fast-check is a peer (one fast-check for dsim/fuzz and the user), tsx an optional peer, neither a dependency', () => {
    const dependencies = pkg['dependencies'] as Record<string, string>;
    const peers = pkg['peerDependencies'] as Record<string, string>;
    expect(Object.keys(dependencies)).not.toContain('fast-check');
    expect(Object.keys(dependencies)).not.toContain('tsx');
    expect(Object.keys(peers).sort()).toEqual(['fast-check', 'tsx']);
    expect(pkg['peerDependenciesMeta']).toEqual({ tsx: { optional: true } });
  });

  it('picks tsx when installed, else Node\'s type stripping, else none', () => {
    expect(chooseTypeScriptLoader({ tsxInstalled: true, nodeStripsTypes: true })).toBe('tsx');
    expect(chooseTypeScriptLoader({ tsxInstalled: false, nodeStripsTypes: true })).toBe('import');
    expect(chooseTypeScriptLoader({ tsxInstalled: false, nodeStripsTypes: false })).toBe('none');
  });

  it('installed without tsx: .js protocol modules load, a .ts one is a usage error that says what to do', () => {
    // A project whose node_modules holds dsim and its dependencies, but not tsx or esbuild.
    const project = join(scratch, 'project');
    const modules = join(project, 'node_modules');
    mkdirSync(join(modules, 'dsim'), { recursive: true });
    for (const entry of readdirSync(join(repoRoot, 'node_modules'))) {
      if (['tsx', 'esbuild', '@esbuild', '.bin', 'dsim'].includes(entry) || entry.startsWith('.')) continue;
      symlinkSync(join(repoRoot, 'node_modules', entry), join(modules, entry));
    }
    cpSync(join(repoRoot, 'package.json'), join(modules, 'dsim', 'package.json'));
    symlinkSync(join(repoRoot, 'dist'), join(modules, 'dsim', 'dist'));
    writeFileSync(
      join(project, 'register.mjs'),
      `const store = {};\nexport default { name: 'js-register', init: () => ({}), onMessage() {}, onTimer() {},\n` +
        `  onRequest(state, request, ctx) { const op = request.op; if (op.f === 'write') store[ctx.self + op.key] = op.value;\n` +
        `    ctx.reply(request.id, { type: 'ok', value: op.f === 'read' ? (store[ctx.self + op.key] ?? null) : op.value }); } };\n`,
    );
    writeFileSync(join(project, 'register.ts'), readFileSync(join(project, 'register.mjs'), 'utf8'));
    writeFileSync(join(project, 'one.yaml'), 'protocol: js-register\nnodes: 1\nduration: 500ms\nworkload: { model: kv, clients: 1, rate: 20/s }\nheal: false\nchecks: []\n');
    const cli = (args: string[]): { code: number; out: string } => {
      const r = spawnSync(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', join(modules, 'dsim/dist/cli/main.js'), ...args], { cwd: project, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    expect(existsSync(join(modules, 'tsx'))).toBe(false);
    const js = cli(['run', 'one.yaml', '--module', './register.mjs']);
    expect(js.code, js.out).toBe(0);
    const features = process.features as { typescript?: unknown };
    if (typeof features.typescript !== 'string') {
      const ts = cli(['run', 'one.yaml', '--module', './register.ts']);
      expect(ts.code).toBe(3);
      expect(ts.out).toContain('a .ts protocol module needs a TypeScript loader: install tsx in your project');
    }
    // dsim/fuzz resolves fast-check from the project: the same one the user's properties use.
    const fuzz = spawnSync(process.execPath, ['--preserve-symlinks', '--input-type=module', '-e', "const f = await import('dsim/fuzz'); console.log(typeof f.scenarioArbitrary, typeof f.assertHeld)"], { cwd: project, encoding: 'utf8' });
    expect(fuzz.stdout.trim(), fuzz.stderr).toBe('function function');
  });
});
