/**
 * Executable documentation: the blocks of README.md and docs/**\/*.md that a test runs.
 *
 * The convention (README's "Documentation" section points here):
 *
 *   ```sh doctest exit=1     A command block: one `dsim ...` (or `npx dsim ...`) per line; `\`
 *   npx dsim run x.yaml      continues a line, `#` starts a comment, `cat FILE` prints a file.
 *   ```                      `exit=N`: the last dsim command exits N (default 0), earlier ones 0.
 *   ```
 *   scenario  ...            The next block (any language tag; blank lines before it are fine)
 *   ...                      is what the commands print, stdout and stderr as a terminal shows
 *   ```                      them. A line that is exactly `...` stands for any number of lines.
 *
 *   ```yaml file=ref.yaml    Written to ref.yaml in the doc's working directory, so later
 *   ```                      commands of the same doc can run it.
 *
 * Each doc runs in its own temporary directory holding links to the repository's scenarios/,
 * test/ and docs/, so commands read the bundled files and write their outputs (failures/, h.edn)
 * where they do no harm.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DocStep {
  readonly kind: 'write' | 'run';
  /** The doc, relative to the repository root, and the line of the block's opening fence. */
  readonly doc: string;
  readonly line: number;
}

export interface WriteStep extends DocStep {
  readonly kind: 'write';
  readonly file: string;
  readonly text: string;
}

export interface RunStep extends DocStep {
  readonly kind: 'run';
  /** The commands, each already split into words. */
  readonly commands: ReadonlyArray<readonly string[]>;
  /** The block as written, for messages. */
  readonly source: string;
  readonly exit: number;
  readonly expected: string;
}

export type Step = WriteStep | RunStep;

interface Fence {
  readonly info: string;
  readonly line: number;
  readonly body: string[];
  /** Line just after the closing fence. */
  readonly endLine: number;
}

/** Every fenced block of a markdown text, in order. */
export function fences(text: string): Fence[] {
  const lines = text.split('\n');
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const marker = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j]!;
      if (line.trim().startsWith(marker) && line.trim().replace(new RegExp(`^${marker[0]}+`), '') === '') break;
      body.push(line.startsWith(open[1]!) ? line.slice(open[1]!.length) : line);
    }
    out.push({ info: open[3]!.trim(), line: i + 1, body, endLine: j + 1 });
    i = j;
  }
  return out;
}

/** The steps of one doc, in order. Throws on a doctest block with no output block after it. */
export function docSteps(doc: string, text: string): Step[] {
  const all = fences(text);
  const lines = text.split('\n');
  const steps: Step[] = [];
  for (let k = 0; k < all.length; k++) {
    const fence = all[k]!;
    const words = fence.info.split(/\s+/);
    const file = words.find((w) => w.startsWith('file='));
    if (file !== undefined) {
      steps.push({ kind: 'write', doc, line: fence.line, file: file.slice('file='.length), text: fence.body.join('\n') + '\n' });
      continue;
    }
    if (!words.includes('doctest')) continue;
    const next = all[k + 1];
    const between = next === undefined ? [] : lines.slice(fence.endLine, next.line - 1);
    const nextWords = next?.info.split(/\s+/) ?? [];
    if (next === undefined || between.some((l) => l.trim() !== '') || nextWords.includes('doctest') || nextWords.some((w) => w.startsWith('file='))) {
      throw new Error(`${doc}:${fence.line}: a doctest block must be followed by its output block, with only blank lines between`);
    }
    const exit = words.find((w) => w.startsWith('exit='));
    steps.push({
      kind: 'run',
      doc,
      line: fence.line,
      commands: commandsOf(fence.body, `${doc}:${fence.line}`),
      source: fence.body.join('\n'),
      exit: exit === undefined ? 0 : Number(exit.slice('exit='.length)),
      expected: next.body.join('\n'),
    });
    k++;
  }
  return steps;
}

/** Splits a block into commands and each command into words (quotes, `\` continuations, comments). */
export function commandsOf(body: readonly string[], where: string): string[][] {
  const joined = body.join('\n').replace(/\\\n/g, ' ');
  const commands: string[][] = [];
  for (const line of joined.split('\n')) {
    const words = shellWords(line, where);
    if (words.length > 0) commands.push(words);
  }
  return commands;
}

function shellWords(line: string, where: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`${where}: unclosed ' in ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) text += line[j] === '\\' && j + 1 < line.length ? line[++j] : line[j];
      if (j >= line.length) throw new Error(`${where}: unclosed " in ${line}`);
      word = (word ?? '') + text;
      i = j;
    } else if (c === '\\' && i + 1 < line.length) {
      word = (word ?? '') + line[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '#' && word === undefined) {
      break;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** README.md and every .md under docs/, relative to the root, sorted. */
export function docFiles(root: string): string[] {
  const out = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.md')) out.push(relative(root, path));
    }
  };
  walk(join(root, 'docs'));
  return out;
}

export function readDoc(root: string, doc: string): string {
  return readFileSync(join(root, doc), 'utf8');
}

/**
 * Run-to-run noise, normalized on both sides before comparing: wall-clock timings and speeds.
 * Everything else a command prints (seeds, hashes, counts, virtual times) is deterministic and
 * compared as is.
 */
export const NOISE: ReadonlyArray<readonly [RegExp, string]> = [
  // dsim run: "121ms simulating (107x real time), then 32ms checking"
  [/\d[\d,]*ms simulating \([\d,]+x real time\)/g, '<ms> simulating (<speed> real time)'],
  [/\d[\d,]*ms simulating\b/g, '<ms> simulating'],
  [/then \d[\d,]*ms checking/g, 'then <ms> checking'],
  // dsim check: "; 294 steps; 9.2 ms"
  [/; \d+(\.\d+)? ms$/gm, '; <ms>'],
  // dsim fuzz: "done: 6 runs in 0.2s (4.7 runs/s, ..."
  [/ in \d+(\.\d+)?s \(\d+(\.\d+)? runs\/s,/g, ' in <s> (<rate> runs/s,'],
];

export function normalize(text: string): string {
  let out = text;
  for (const [pattern, replacement] of NOISE) out = out.replace(pattern, replacement);
  return out
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/**
 * Lines of `actual` that a block with `...` lines shows: for each run of shown lines, where it
 * lies in `actual` (index and length), or undefined when the runs cannot be placed in order.
 * Without `...` the whole output is one run.
 */
export function alignment(actual: readonly string[], expected: readonly string[]): Array<{ at: number; length: number }> | undefined {
  if (!expected.includes('...')) return [{ at: 0, length: actual.length }];
  const segments: string[][] = [[]];
  for (const line of expected) {
    if (line === '...') segments.push([]);
    else segments[segments.length - 1]!.push(line);
  }
  const out: Array<{ at: number; length: number }> = [];
  let at = 0;
  for (let s = 0; s < segments.length; s++) {
    const segment = segments[s]!;
    if (s > 0 && s === segments.length - 1) {
      // The tail: from the last line that starts it (so added lines show in a diff) to the end.
      let anchor = segment.length === 0 ? actual.length : actual.lastIndexOf(segment[0]!);
      if (anchor < at) anchor = Math.max(at, actual.length - segment.length);
      out.push({ at: anchor, length: actual.length - anchor });
      break;
    }
    const found = s === 0 ? 0 : indexOfRun(actual, segment, at);
    if (found < 0) return undefined;
    out.push({ at: found, length: segment.length });
    at = found + segment.length;
  }
  return out;
}

/** The actual output as the block would show it: the elided runs replaced by `...`. */
export function project(actual: string, expected: string): string {
  const got = actual.split('\n');
  const runs = alignment(got, expected.split('\n'));
  if (runs === undefined) return actual; // no alignment: show everything
  return runs.flatMap((r, i) => [...(i > 0 ? ['...'] : []), ...got.slice(r.at, r.at + r.length)]).join('\n');
}

function indexOfRun(lines: readonly string[], run: readonly string[], from: number): number {
  if (run.length === 0) return from;
  for (let i = from; i + run.length <= lines.length; i++) if (run.every((line, k) => lines[i + k] === line)) return i;
  return -1;
}

/**
 * `DSIM_DOCS_UPDATE=1`: rewrites a doc's output block with what the command printed now, keeping
 * its `...` elisions (the runs are placed by the normalized text, then copied raw). Returns the
 * new doc text, or undefined when the block's runs cannot be placed.
 */
export function updateBlock(docText: string, step: Pick<RunStep, 'source' | 'line'>, rawOutput: string, expected: string): string | undefined {
  const all = fences(docText);
  // Found by its text, nearest its original line: blocks updated before it may have moved it.
  const candidates = all.map((f, i) => ({ f, i })).filter(({ f }) => f.info.split(/\s+/).includes('doctest') && f.body.join('\n') === step.source);
  candidates.sort((a, b) => Math.abs(a.f.line - step.line) - Math.abs(b.f.line - step.line));
  const k = candidates[0]?.i ?? -1;
  const block = all[k + 1];
  if (k < 0 || block === undefined) return undefined;
  const raw = rawOutput.split('\n').map((l) => l.trimEnd());
  while (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  const runs = alignment(normalize(rawOutput).split('\n'), normalize(expected).split('\n'));
  if (runs === undefined) return undefined;
  // A line that differs only in its timings keeps the doc's numbers (no churn from a busy machine).
  const old = expected.split('\n');
  const keep = (line: string): string => old.find((o) => o !== line && normalize(o) === normalize(line)) ?? line;
  const shown = runs.flatMap((r, i) => [...(i > 0 ? ['...'] : []), ...raw.slice(r.at, r.at + r.length).map(keep)]);
  const lines = docText.split('\n');
  // The body starts on the line after the opening fence (0-based index block.line).
  lines.splice(block.line, block.body.length, ...shown);
  return lines.join('\n');
}
