/**
 * The hostile-user audit of issue #19, repeatable: generated malformed scenario files and the
 * hostile protocol modules of test/fixtures/hostile/ through the real CLI (dist/), one process
 * each, counted by outcome class. Slow (minutes): a script, not part of `npm test`.
 *
 *   npm run build && npx tsx scripts/audit-inputs.ts [--files 800] [--seed 19] [--only files|modules] [--in-process]
 *
 * `--in-process` loads the files as `dsim run` loads them (cli/load.ts) in this process instead of
 * running the CLI on each: seconds instead of many minutes on a busy machine, classified as the CLI
 * would report them (loaded and run, exit 3, internal error); it checks loading only.
 *
 * Classes: exit 0/1/2/3, "internal error" printed, a stack trace printed, a bare "Invalid input",
 * an error longer than 4,000 characters (an echoed value not capped), killed by the audit's own
 * timeout (the tool did not finish).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { malformedScenario } from '../test/support/malformed.js';
import { UsageError } from '../src/cli/errors.js';
import { loadScenarioFile } from '../src/cli/load.js';
import { protocolRegistry } from '../src/protocols/index.js';
import { ScenarioError } from '../src/scenario/resolve.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const files = Number(option('files', '800'));
const inProcess = args.includes('--in-process');
const seed = Number(option('seed', '19'));
const only = option('only', 'all');
const TIMEOUT_MS = 120_000;
const protocols = protocolRegistry();

interface Outcome {
  readonly input: string;
  readonly code: number | 'timeout';
  readonly classes: string[];
  readonly ms: number;
  readonly excerpt: string;
}

function dsim(argv: readonly string[]): Outcome {
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(root, 'dist/cli/main.js'), ...argv], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, FORCE_COLOR: '0' },
    timeout: TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const code = r.status ?? 'timeout';
  const classes = [`exit ${code}`];
  if (/internal error/.test(out)) classes.push('internal error');
  if (/\n\s+at .*[\w.]+:\d+:\d+/.test(r.stderr ?? '')) classes.push('stack trace');
  if (/Invalid input(?!:)/.test(r.stderr ?? '')) classes.push('bare "Invalid input"');
  if ((r.stderr ?? '').length > 4000) classes.push('error > 4,000 chars');
  return { input: argv.join(' '), code, classes, ms: Date.now() - started, excerpt: (r.stderr || r.stdout || '').slice(0, 300) };
}

/** Loads a file as `dsim run` does, classified as the CLI would report the outcome. */
async function load(file: string): Promise<Outcome> {
  const started = Date.now();
  try {
    await loadScenarioFile(file, protocols);
    return { input: file, code: 0, classes: ['loaded (would run)'], ms: Date.now() - started, excerpt: '' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const clean = error instanceof ScenarioError || error instanceof UsageError;
    const classes = [clean ? 'exit 3' : 'internal error'];
    if (/Invalid input(?!:)/.test(message)) classes.push('bare "Invalid input"');
    if (message.length > 4000) classes.push('error > 4,000 chars');
    return { input: file, code: clean ? 3 : 2, classes, ms: Date.now() - started, excerpt: message.slice(0, 300) };
  }
}

function tally(title: string, outcomes: readonly Outcome[]): void {
  const counts = new Map<string, number>();
  for (const o of outcomes) for (const c of o.classes) counts.set(c, (counts.get(c) ?? 0) + 1);
  console.log(`\n== ${title}: ${outcomes.length} inputs ==`);
  for (const [c, n] of [...counts].sort()) console.log(`${c.padEnd(24)} ${n}`);
  const bad = outcomes.filter((o) => o.classes.some((c) => !['exit 0', 'exit 1', 'exit 3', 'loaded (would run)'].includes(c)));
  for (const o of bad.slice(0, 12)) console.log(`  ${o.classes.join(', ')}: ${o.input}\n    ${o.excerpt.replace(/\n/g, '\n    ').slice(0, 300)}`);
}

const dir = mkdtempSync(join(tmpdir(), 'dsim-audit-'));
try {
  if (only !== 'modules') {
    const samples = fc.sample(malformedScenario, { seed, numRuns: files });
    const outcomes: Outcome[] = [];
    for (const [i, sample] of samples.entries()) {
      const file = join(dir, `m${i}.yaml`);
      writeFileSync(file, sample.text);
      outcomes.push(inProcess ? await load(file) : dsim(['run', file, '--hang-timeout', '10s']));
      rmSync(file);
      if ((i + 1) % 100 === 0) console.error(`${i + 1}/${files} files`);
    }
    tally(`malformed scenario files (fast-check seed ${seed})`, outcomes);
  }
  if (only !== 'files') {
    const hostile = join(root, 'test/fixtures/hostile');
    const outcomes: Outcome[] = [];
    for (const entry of readdirSync(hostile).filter((f) => f.endsWith('.yaml')).sort()) {
      const name = entry.replace(/\.yaml$/, '');
      const scenario = join('test/fixtures/hostile', entry);
      const module = join('test/fixtures/hostile', `${name}.mjs`);
      const out = join(dir, name);
      for (const extra of [[], ['--json'], ['--trace', `${out}.jsonl`, '--history', `${out}.edn`, '--html', `${out}.html`], ['--check-determinism']]) {
        outcomes.push(dsim(['run', scenario, '--module', module, '--hang-timeout', '5s', ...extra]));
      }
      outcomes.push(dsim(['fuzz', '--module', module, '--runs', '3', '--seed', '1', '--no-progress', '--hang-timeout', '5s', '--out', join(dir, 'failures')]));
      console.error(`module ${name} done`);
    }
    tally('hostile protocol modules (run, --json, --trace/--history/--html, --check-determinism, fuzz)', outcomes);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
