/**
 * The docs are executable: every `sh doctest` block of README.md and docs/**\/*.md runs, and what
 * it prints must match the block shown after it (modulo the timings in blocks.ts's NOISE). All
 * blocks run in one child process through the CLI's `main`, each doc in a scratch directory.
 *
 * When this fails, the message names the doc, the line of the block and the command, with a diff:
 * update the doc to what the command prints now (or fix the command). `DSIM_DOCS_UPDATE=1` rewrites
 * the differing blocks in place.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/cli.js';
import { docFiles, docSteps, fences, normalize, project, readDoc, updateBlock, type RunStep, type Step } from './blocks.js';

const docs = docFiles(repoRoot).map((doc) => ({ doc, steps: docSteps(doc, readDoc(repoRoot, doc)) }));
const runSteps = docs.flatMap((d) => d.steps.filter((s): s is RunStep => s.kind === 'run'));
const scratch = mkdtempSync(join(tmpdir(), 'dsim-docs-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Printed {
  readonly doc: string;
  readonly line: number;
  readonly output: string;
  readonly codes: number[];
}
let printed: Printed[] = [];
let runnerError = '';

beforeAll(() => {
  const plan = docs
    .filter((d) => d.steps.some((s) => s.kind === 'run'))
    .map((d, i) => {
      const dir = join(scratch, `doc${i}`);
      spawnSync('mkdir', ['-p', dir]);
      for (const link of ['scenarios', 'test', 'docs', 'examples']) if (existsSync(join(repoRoot, link))) symlinkSync(join(repoRoot, link), join(dir, link));
      return { doc: d.doc, dir, steps: d.steps satisfies Step[] };
    });
  const stepsFile = join(scratch, 'steps.json');
  const outFile = join(scratch, 'printed.json');
  writeFileSync(stepsFile, JSON.stringify({ docs: plan }));
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env['COLUMNS'];
  delete env['NO_COLOR'];
  const r = spawnSync(process.execPath, [join(repoRoot, 'test/docs/run-steps.mjs'), repoRoot, stepsFile, outFile], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  runnerError = r.status === 0 ? '' : `the doc runner exited ${r.status}: ${r.stderr}`;
  if (existsSync(outFile)) printed = JSON.parse(readFileSync(outFile, 'utf8')) as Printed[];
}, 180_000);

describe('executable docs', () => {
  it('has doctest blocks to run', () => {
    expect(runSteps.length).toBeGreaterThan(5);
  });

  it.each(runSteps.map((s) => [`${s.doc}:${s.line}`, s] as const))('%s prints what the doc shows', (where, step) => {
    expect(runnerError).toBe('');
    const got = printed.find((p) => p.doc === step.doc && p.line === step.line);
    expect(got, `${where}: the doc runner produced nothing for this block`).toBeDefined();
    const command = step.source.split('\n').find((l) => l.trim() !== '') ?? '';
    const hint =
      `${where}: the block \`${command.trim()}\` prints something other than the output shown after it; update the doc ` +
      `(DSIM_DOCS_UPDATE=1 npx vitest run test/docs rewrites it, keeping \`...\` elisions), or fix the command. Timings are normalized.`;
    const expected = normalize(step.expected);
    const actual = project(normalize(got!.output), expected);
    if (actual !== expected && process.env['DSIM_DOCS_UPDATE'] === '1') {
      const path = join(repoRoot, step.doc);
      const updated = updateBlock(readFileSync(path, 'utf8'), step, got!.output, step.expected);
      expect(updated, `${where}: cannot place the shown lines around its \`...\`; edit this block by hand`).toBeDefined();
      writeFileSync(path, updated!);
      return;
    }
    expect(actual, hint).toBe(expected);
    const codes = got!.codes;
    expect(codes.slice(0, -1).every((c) => c === 0) && codes[codes.length - 1] === step.exit, `${where}: exit codes ${codes.join(', ')}; the doc says the last exits ${step.exit} (\`exit=N\` after doctest)`).toBe(true);
  });
});

describe('docs refer to what exists', () => {
  const texts = docFiles(repoRoot).map((doc) => ({ doc, text: readDoc(repoRoot, doc) }));

  it('every relative link and every backticked repository path exists', () => {
    const missing: string[] = [];
    for (const { doc, text } of texts) {
      const base = doc.includes('/') ? doc.slice(0, doc.lastIndexOf('/')) : '.';
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        if (!existsSync(join(repoRoot, base, target))) missing.push(`${doc}: link ${target}`);
      }
      for (const m of text.matchAll(/`((?:src|test|bench|scripts|scenarios|docs|examples)\/[\w./-]+)`/g)) {
        const path = m[1]!.replace(/[.,]$/, '');
        if (path.includes('*') || path.includes('<')) continue;
        if (!existsSync(join(repoRoot, path))) missing.push(`${doc}: \`${path}\``);
      }
    }
    expect(missing).toEqual([]);
  });

  it("imports from 'dsim' and 'dsim/fuzz' name what the package exports", async () => {
    // The built package (global setup builds dist/): what `npm install dsim` would import.
    const entry: Record<string, string> = { dsim: join(repoRoot, 'dist/index.js'), 'dsim/fuzz': join(repoRoot, 'dist/fuzz/index.js') };
    const problems: string[] = [];
    for (const { doc, text } of texts) {
      for (const fence of fences(text)) {
        if (!/^(ts|typescript|js)\b/.test(fence.info)) continue;
        for (const m of fence.body.join('\n').matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)'/g)) {
          const from = m[3]!;
          if (from === 'vitest' || from === 'fast-check') continue;
          if (entry[from] === undefined) {
            problems.push(`${doc}:${fence.line}: imports from '${from}', which the package does not export (use 'dsim' or 'dsim/fuzz')`);
            continue;
          }
          if (m[1] !== undefined) continue; // type-only imports leave nothing at run time to look up
          const mod = (await import(pathToFileURL(entry[from]!).href)) as Record<string, unknown>;
          for (const name of m[2]!.split(',').map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!)) {
            if (name === '' || m[2]!.includes(`type ${name}`)) continue;
            if (!(name in mod)) problems.push(`${doc}:${fence.line}: '${from}' exports no ${name}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('the block matcher', () => {
  it('matches `...` to any run of lines, aligns the tail to the end, and keeps the doc\'s timings on update', () => {
    expect(project('a\nb\nc\nd', 'a\n...\nd')).toBe('a\n...\nd');
    expect(project('a\nb\nc\nd\ne', '...\nc\nd')).toBe('...\nc\nd\ne'); // the added line shows in the diff
    expect(project('x\ny', 'a\n...\nb')).toBe('x\n...\ny');
    const doc = ['```sh doctest', 'dsim run x', '```', '```', 'events 3: 5ms simulating', 'old', '```', ''].join('\n');
    const updated = updateBlock(doc, { source: 'dsim run x', line: 1 }, 'events 3: 9ms simulating\nnew\n', 'events 3: 5ms simulating\nold');
    expect(updated).toBe(['```sh doctest', 'dsim run x', '```', '```', 'events 3: 5ms simulating', 'new', '```', ''].join('\n'));
  });
});
