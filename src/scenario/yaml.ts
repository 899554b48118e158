/**
 * Reading a scenario file's YAML without trusting it: a scenario is plain data, so tags
 * (`!!js/function`, `!!binary`, custom ones) are refused rather than silently dropped; aliases may
 * not expand without bound (an alias bomb) or refer to themselves; nesting is bounded and a limit
 * is reported as a limit, not as a parser stack overflow. Every problem names its line and column,
 * and later problems found by the schema are located through `locate`.
 */
import { LineCounter, isAlias, isMap, isNode, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import { ScenarioError, type ScenarioIssue } from './issues.js';

/** Largest scenario file read: scenarios are a page or two; anything bigger is not one. */
/** YAML errors reported per file: the rest usually follow from the first. */
const MAX_YAML_ERRORS_SHOWN = 5;

export const MAX_SCENARIO_BYTES = 1 << 20;
/** Deepest nesting of mappings and lists (a latency distribution nests a few levels). */
export const MAX_SCENARIO_NESTING = 32;
/** Most alias expansions: YAML's defence against "billion laughs". */
export const MAX_ALIAS_EXPANSIONS = 100;

/** Tags that only restate what YAML infers anyway; every other tag is refused. */
const PLAIN_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

export interface ScenarioYaml {
  /** The parsed value (plain data). */
  readonly value: unknown;
  /** Line and column of the value at a field path, when the file has it. */
  locate(path: readonly (string | number)[]): { line: number; column: number } | undefined;
}

export function readScenarioYaml(text: string, file: string): ScenarioYaml {
  if (text.length > MAX_SCENARIO_BYTES) {
    throw new ScenarioError(file, [{ path: [], message: `the file is ${(text.length / (1 << 20)).toFixed(1)} MB; a scenario file is at most ${MAX_SCENARIO_BYTES >> 20} MB` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter: lines, uniqueKeys: true });
  const at = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {};
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
  const fail = (issues: ScenarioIssue[]): never => {
    throw new ScenarioError(file, issues);
  };

  if (doc.errors.length > 0) {
    // One mistake often cascades into dozens of errors after it: the first few say where to look.
    const shown = doc.errors.slice(0, MAX_YAML_ERRORS_SHOWN);
    const more = doc.errors.length - shown.length;
    fail([
      ...shown.map((e) => {
        const where = at(e.pos[0]);
        const message =
          e.code === 'RESOURCE_EXHAUSTION'
            ? `nested too deeply for a scenario (at most ${MAX_SCENARIO_NESTING} levels of mappings and lists)`
            : e.code === 'MULTIPLE_DOCS'
              ? 'a scenario file holds one YAML document; this one holds several (separated by ---)'
              : `YAML syntax error: ${e.message.split('\n')[0]}`;
        return { path: [], message, ...where };
      }),
      ...(more > 0 ? [{ path: [], message: `and ${more} more YAML errors after these (often caused by the first)` }] : []),
    ]);
  }
  const refused: ScenarioIssue[] = doc.warnings.map((w) => ({ path: [], message: `YAML: ${w.message.split('\n')[0]} (a scenario is plain data: no tags)`, ...at(w.pos[0]) }));
  const anchors = new Set<string>();
  let deepest: { depth: number; node: Node } | undefined;
  visit(doc, (_key, node, path) => {
    if (!isNode(node)) return;
    const depth = path.filter((p) => isMap(p) || isSeq(p)).length;
    if (depth > MAX_SCENARIO_NESTING && deepest === undefined) deepest = { depth, node };
    if (node.tag !== undefined && !PLAIN_TAGS.has(node.tag) && !refused.some((r) => r.line === at(node.range?.[0]).line)) {
      refused.push({ path: [], message: `YAML tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed: a scenario is plain data`, ...at(node.range?.[0]) });
    }
    if (node.anchor !== undefined) anchors.add(node.anchor);
    if (isAlias(node) && !anchors.has(node.source)) {
      refused.push({ path: [], message: `YAML alias *${node.source} refers to no anchor &${node.source} before it`, ...at(node.range?.[0]) });
    }
  });
  if (deepest !== undefined) {
    refused.push({ path: [], message: `nested more than ${MAX_SCENARIO_NESTING} levels deep (mappings and lists); a scenario needs far fewer`, ...at(deepest.node.range?.[0]) });
  }
  if (refused.length > 0) fail(refused);

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (error) {
    const firstAlias = findFirst(doc, isAlias);
    const message = /Excessive alias count/.test((error as Error).message)
      ? `YAML aliases expand into too many values (at most ${MAX_ALIAS_EXPANSIONS} expansions): an alias bomb?`
      : /circular|cyclic|Maximum call stack/i.test((error as Error).message)
        ? 'a YAML alias refers to the value that contains it (a cycle)'
        : `YAML: ${(error as Error).message.split('\n')[0]}`;
    fail([{ path: [], message, ...at(firstAlias?.range?.[0]) }]);
  }
  return {
    value,
    locate(path) {
      let node: unknown = doc.contents;
      let last: { line: number; column: number } | undefined;
      for (const key of path) {
        if (!(isMap(node) || isSeq(node))) break;
        const next: unknown = node.get(key, true);
        if (!isNode(next)) {
          // The field is missing: point at the mapping that lacks it.
          break;
        }
        node = next;
      }
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        const { line, col } = lines.linePos(node.range[0]);
        last = { line, column: col };
      }
      return last;
    },
  };
}

function findFirst(doc: Document, test: (node: unknown) => boolean): Node | undefined {
  let found: Node | undefined;
  visit(doc, (_key, node) => {
    if (found === undefined && isNode(node) && test(node)) {
      found = node;
      return visit.BREAK;
    }
    return undefined;
  });
  return found;
}
