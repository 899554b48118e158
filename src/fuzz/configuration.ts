/**
 * The configuration swarm: each fuzz run draws a protocol configuration and a workload model as it
 * draws its faults, from the space the protocol declares (`ProtocolDefinition.space`), and is
 * judged by what that configuration promises (`promises`). Pinned options (`--options`, and the
 * options a named flaw needs) are fixed; everything else is drawn.
 *
 * A choice is a raw integer per dimension, read as a fraction of the dimension's alternatives, so
 * shrinking a raw value toward 0 moves the choice toward the first alternative: the default.
 */
import fc from 'fast-check';
import type { ConfigurationSpace, ProtocolDefinition, Promises } from '../core/protocol.js';
import { promisesOf } from '../core/promises.js';

/** Raw choices are integers in [0, CHOICE_RANGE). */
export const CHOICE_RANGE = 1 << 16;

/** A run's configuration, as drawn: the model and a raw choice per dimension. */
export interface ConfigGene {
  readonly model: number;
  readonly choice: Readonly<Record<string, number>>;
}

/** One alternative of `count`, from a raw choice. */
export function pickIndex(raw: number, count: number): number {
  return Math.min(count - 1, Math.floor((raw * count) / CHOICE_RANGE));
}

/** What a run is configured with. */
export interface RunConfiguration {
  readonly model: string;
  /** Scenario options (the file's `options:`). */
  readonly options: Readonly<Record<string, unknown>>;
  /** Parsed options, as the protocol's `create` gets them. */
  readonly parsed: unknown;
  /** One value per dimension, as drawn (a deployment reads the dimensions of its other groups here). */
  readonly choice: Readonly<Record<string, unknown>>;
}

/** The configuration part of a fuzz setup. */
export interface ConfigurationDraw {
  readonly definition: ProtocolDefinition;
  /** The models drawn from (the first is the default). */
  readonly models: readonly string[];
  /** Dimensions drawn (pinned ones left out). */
  readonly dimensions: ConfigurationSpace['dimensions'];
  /** Options fixed for every run: `--options` over the options named flaws need. */
  readonly pinned: Readonly<Record<string, unknown>>;
  /** `--checks`: overrides the promises. */
  readonly checks?: readonly string[];
}

/** The fixed part of the space: pins that name a dimension fix it; the model may be pinned too. */
export function configurationDraw(options: {
  readonly definition: ProtocolDefinition;
  readonly pinned: Readonly<Record<string, unknown>>;
  readonly model?: string;
  readonly checks?: readonly string[];
}): ConfigurationDraw {
  const { definition, pinned } = options;
  const pinnedModel = options.model ?? (typeof pinned['model'] === 'string' ? pinned['model'] : undefined);
  if (pinnedModel !== undefined && !definition.models.includes(pinnedModel)) {
    throw new Error(`${definition.name} serves ${definition.models.join(', ')}, not ${pinnedModel}`);
  }
  const models = pinnedModel !== undefined ? [pinnedModel] : definition.models.length > 0 ? definition.models : ['kv'];
  const dimensions = (definition.space?.dimensions ?? []).filter((d) => !Object.hasOwn(pinned, d.name) && d.values.length > 0);
  return { definition, models, dimensions, pinned, ...(options.checks !== undefined ? { checks: options.checks } : {}) };
}

/** Raw choices for a draw; record order is shrink order. */
export function configGeneArbitrary(draw: ConfigurationDraw): fc.Arbitrary<ConfigGene> {
  const raw = fc.noBias(fc.integer({ min: 0, max: CHOICE_RANGE - 1 }));
  return fc.record({
    model: draw.models.length > 1 ? raw : fc.constant(0),
    choice: fc.record(Object.fromEntries(draw.dimensions.map((d) => [d.name, d.values.length > 1 ? raw : fc.constant(0)]))),
  });
}

/** The gene of every default: what shrinking moves toward. */
export function defaultGene(draw: ConfigurationDraw): ConfigGene {
  return { model: 0, choice: Object.fromEntries(draw.dimensions.map((d) => [d.name, 0])) };
}

/** Most attempts to repair options a combination with pins made invalid (each drops keys). */
const MAX_REPAIRS = 8;

/**
 * The configuration a gene stands for. Throws when not even the defaults with the pins give valid
 * options (a usage error: the pins contradict each other).
 */
export function resolveConfiguration(draw: ConfigurationDraw, gene: ConfigGene): RunConfiguration {
  const model = draw.models[pickIndex(gene.model, draw.models.length)] ?? draw.models[0]!;
  const choice: Record<string, unknown> = {};
  for (const d of draw.definition.space?.dimensions ?? []) {
    choice[d.name] = Object.hasOwn(draw.pinned, d.name) ? draw.pinned[d.name] : d.values[pickIndex(gene.choice[d.name] ?? 0, d.values.length)];
  }
  const drawn = optionsOf(draw, choice, model);
  const made = drawn ?? optionsOf(draw, defaultChoice(draw), model);
  if (made === undefined) {
    const issues = draw.definition.parseOptions(draw.pinned);
    const why = issues.ok ? 'they contradict the configurations it can draw' : issues.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
    throw new Error(`invalid options for ${draw.definition.name}: ${why}`);
  }
  return { model, options: made.options, parsed: made.parsed, choice: drawn !== undefined ? choice : defaultChoice(draw) };
}

/** What judges a run of this configuration: its promises (or `--checks`), and what they assume. */
export function judgedBy(draw: ConfigurationDraw, config: RunConfiguration, run: { readonly nodes: number; readonly commands: readonly string[] }): Promises {
  const promised = promisesOf(draw.definition, { options: config.parsed, model: config.model, nodes: run.nodes, healed: true, commands: run.commands });
  return draw.checks === undefined ? promised : { ...promised, checks: draw.checks };
}

function defaultChoice(draw: ConfigurationDraw): Record<string, unknown> {
  return Object.fromEntries((draw.definition.space?.dimensions ?? []).map((d) => [d.name, Object.hasOwn(draw.pinned, d.name) ? draw.pinned[d.name] : d.values[0]]));
}

function optionsOf(draw: ConfigurationDraw, choice: Record<string, unknown>, model: string): { options: Record<string, unknown>; parsed: unknown } | undefined {
  const space = draw.definition.space;
  const drawn = space === undefined ? {} : space.options !== undefined ? space.options(choice, model) : withoutNulls(choice);
  let options: Record<string, unknown> = { ...drawn, ...draw.pinned };
  for (let attempt = 0; attempt < MAX_REPAIRS; attempt++) {
    const parsed = draw.definition.parseOptions(options);
    if (parsed.ok) return { options, parsed: parsed.value };
    // A drawn option that clashes with a pinned one gives way (k when mode is pinned to async).
    const clashing = new Set(parsed.issues.map((i) => String(i.path[0] ?? '')).filter((key) => Object.hasOwn(options, key) && !Object.hasOwn(draw.pinned, key)));
    if (clashing.size === 0) return undefined;
    options = Object.fromEntries(Object.entries(options).filter(([key]) => !clashing.has(key)));
  }
  return undefined;
}

function withoutNulls(choice: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(choice).filter(([, v]) => v !== null && v !== undefined));
}

/**
 * The options without the keys whose value the protocol would default to anyway: a failure file
 * shows what differs from the defaults. Same parsed options, so the same run.
 */
export function minimalOptions(definition: Pick<ProtocolDefinition, 'parseOptions'>, options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const full = definition.parseOptions(options);
  if (!full.ok) return { ...options };
  let kept: Record<string, unknown> = { ...options };
  for (const key of Object.keys(options)) {
    const { [key]: _dropped, ...rest } = kept;
    const without = definition.parseOptions(rest);
    if (without.ok && JSON.stringify(without.value) === JSON.stringify(full.value)) kept = rest;
  }
  return kept;
}
