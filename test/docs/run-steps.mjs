// Runs the docs' command blocks in this one process, through the CLI's own `main` (no process per
// command), and writes what each block printed to a JSON file. Usage:
//   node test/docs/run-steps.mjs ROOT STEPS.json OUT.json
// STEPS.json: { docs: [{ doc, dir, steps: Step[] }] } (see blocks.ts). Each doc runs in `dir`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [root, stepsFile, outFile] = process.argv.slice(2);
const { main } = await import(pathToFileURL(join(root, 'dist/cli/main.js')).href);
const { docs } = JSON.parse(readFileSync(stepsFile, 'utf8'));

const results = [];
for (const { dir, steps } of docs) {
  process.chdir(dir);
  for (const step of steps) {
    if (step.kind === 'write') {
      writeFileSync(step.file, step.text);
      continue;
    }
    const printed = [];
    const io = { out: (text) => printed.push(text), err: (text) => printed.push(text) };
    // Exit codes of the dsim commands (`cat` is not judged).
    const codes = [];
    for (const words of step.commands) {
      const code = await runCommand(words, io);
      if (code !== undefined) codes.push(code);
    }
    results.push({ doc: step.doc, line: step.line, output: printed.join('\n'), codes });
  }
}
writeFileSync(outFile, JSON.stringify(results));

/** `[NAME=value ...] [npx] dsim ARGS` (returns its exit code) or `cat FILE` (undefined). */
async function runCommand(words, io) {
  const env = {};
  let i = 0;
  for (; i < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[i]); i++) {
    const eq = words[i].indexOf('=');
    env[words[i].slice(0, eq)] = words[i].slice(eq + 1);
  }
  const rest = words.slice(i);
  if (rest[0] === 'npx') rest.shift();
  if (rest[0] === 'cat' && rest.length === 2) {
    // A file the doc names but the command before did not write (its name carries a run seed
    // that changed): say so as cat would, and let the other blocks run.
    if (!existsSync(rest[1])) io.err(`cat: ${rest[1]}: No such file or directory`);
    else io.out(readFileSync(rest[1], 'utf8').replace(/\n$/, ''));
    return undefined;
  }
  if (rest[0] !== 'dsim') {
    io.err(`doc test: only dsim commands and \`cat FILE\` run here, not: ${words.join(' ')}`);
    return 127;
  }
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await main(['node', 'dsim', ...rest.slice(1)], io);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
