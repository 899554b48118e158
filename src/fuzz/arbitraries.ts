/**
 * fast-check arbitraries for whole scenarios, as plain scenario-file objects (the YAML input
 * shape), so a failing case is written back as a scenario file anyone can run.
 *
 * Generation works on a *genome*: node references are indexes taken modulo the cluster size and
 * fault times are fractions of the main phase, so every genome maps to a valid scenario and
 * fast-check can shrink each part (fewer faults, fewer nodes, a shorter run, a lighter workload)
 * without invalidating the others.
 *
 * Swarm testing: the genome carries a level per fault kind (0 = off, 1 light, 2 medium, 3 hard).
 * Each run's seed thus first decides which kinds are on and how hard they hit, so rare
 * combinations (clock drift with duplication and no partitions, say) are tried, and a shrink
 * that turns a kind off removes all its faults at once.
 */
import fc from 'fast-check';
import type { Deployment, DeploymentGroup, ProtocolDefinition, Promises } from '../core/protocol.js';
import { didYouMean } from '../core/suggest.js';
import { protocolRegistry } from '../protocols/index.js';
import { knownCheckNames } from '../runner/checks.js';
import { commandNames } from '../scenario/resolve.js';
import { deploymentPromises } from '../scenario/groups.js';
import { configGeneArbitrary, configurationDraw, judgedBy, resolveConfiguration, type ConfigGene, type ConfigurationDraw } from './configuration.js';
import { operatorEntries, operatorGeneArbitrary, sparesFor, type OperatorGene } from './operators.js';
import { profileFor, type FuzzProfile, type PerLevel } from './profiles.js';
import { isTxnModel } from '../workload/generators.js';
import { triggerFields, triggerGeneArbitrary, type TriggerGene } from './moments.js';

/** The fault kinds the fuzzer injects; `--faults` picks among them. */
export const FAULT_KINDS = ['partition', 'crash', 'pause', 'clock', 'loss', 'duplicate', 'reorder', 'slow', 'disk', 'wipe'] as const;
export type FuzzFaultKind = (typeof FAULT_KINDS)[number];
/**
 * Kinds that break a promise every protocol here relies on, injected only when `--faults` names
 * them: lying disks (`disk`: a persist is not durable when the step ends) and wiped disks (`wipe`:
 * a node comes back empty under its old identity, which no protocol here can tell from a node
 * that never voted or acknowledged anything).
 */
export const OPT_IN_FAULT_KINDS: readonly FuzzFaultKind[] = ['disk', 'wipe'];
/** What is injected unless `--faults` says otherwise: everything but the opt-in kinds. */
export const DEFAULT_FAULT_KINDS: readonly FuzzFaultKind[] = FAULT_KINDS.filter((k) => !OPT_IN_FAULT_KINDS.includes(k));

export const PARTITION_SHAPES = ['isolate', 'split', 'majority-minority', 'one-way', 'bridge'] as const;
export type PartitionShape = (typeof PARTITION_SHAPES)[number];

/** 0 = off, 1 light, 2 medium, 3 hard. */
export type Level = 0 | 1 | 2 | 3;

/** A node index (taken modulo the cluster size), `random`, or a role such as `leader`. */
export type TargetGene = number | string;

/** A protocol moment a fault waits for: see moments.ts. */
export type { TriggerGene } from './moments.js';

export type CrashPointGene = 'after-persist' | 'partial-send' | null;

/**
 * A fault gene: one kind's fields, and `keepPc`, which with the run's emphasis on the kind decides
 * whether the run keeps it (absent in corpus entries written before it existed: kept).
 */
export type FaultGene = FaultGeneBody & { readonly keepPc?: number };

type FaultGeneBody =
  | {
      readonly kind: 'partition';
      readonly shape: PartitionShape;
      readonly atPm: number;
      readonly forPm: number | null;
      readonly a: TargetGene;
      readonly b: TargetGene;
      readonly assign: readonly number[];
      readonly withTarget: boolean;
      readonly trigger: TriggerGene | null;
    }
  | { readonly kind: 'crash'; readonly atPm: number; readonly forPm: number | null; readonly target: TargetGene; readonly point: CrashPointGene; readonly trigger: TriggerGene | null }
  /** Many short crashes that always restart: `count` of them spread over `spanPm` from `atPm`. */
  | { readonly kind: 'crash-storm'; readonly atPm: number; readonly spanPm: number; readonly count: number; readonly forPm: number; readonly target: TargetGene }
  | { readonly kind: 'pause'; readonly atPm: number; readonly forPm: number | null; readonly target: TargetGene; readonly trigger: TriggerGene | null }
  /** `trigger` absent in corpus entries written before clock faults waited for moments: none. */
  | { readonly kind: 'clock'; readonly atPm: number; readonly target: TargetGene; readonly offsetPc: number; readonly driftPc: number; readonly resolutionPc: number | null; readonly trigger?: TriggerGene | null }
  | { readonly kind: 'loss' | 'duplicate'; readonly atPm: number; readonly forPm: number | null; readonly strengthPc: number }
  /** `long`: the delays of labrpc's long reordering (200–2200 ms), far past any timeout. */
  | { readonly kind: 'reorder'; readonly atPm: number; readonly forPm: number | null; readonly strengthPc: number; readonly long: boolean }
  /** One slow node (`b` null: all its links) or one slow link between `a` and `b`. */
  | { readonly kind: 'slow'; readonly atPm: number; readonly forPm: number | null; readonly a: TargetGene; readonly b: TargetGene | null; readonly strengthPc: number; readonly trigger?: TriggerGene | null }
  | { readonly kind: 'disk'; readonly atPm: number; readonly forPm: number | null; readonly target: TargetGene; readonly strengthPc: number }
  | { readonly kind: 'wipe'; readonly atPm: number; readonly forPm: number | null; readonly target: TargetGene; readonly trigger: TriggerGene | null };

/** The swarm kind whose level governs a gene. */
export function geneKind(gene: FaultGene): FuzzFaultKind {
  return gene.kind === 'crash-storm' ? 'crash' : gene.kind;
}

export type LatencyGene = { readonly dist: 'constant' | 'uniform' | 'exponential' | 'long-tail'; readonly aMs: number; readonly bMs: number; readonly tailPc: number };

/** Everything a fuzz scenario is made from. */
export interface ScenarioGenome {
  readonly nodes: number;
  readonly durationMs: number;
  readonly faults: readonly FaultGene[];
  /** Operator actions (membership changes, transfers, promotions), drawn like faults. */
  readonly operators: readonly OperatorGene[];
  /** The protocol configuration and workload model. */
  readonly config: ConfigGene;
  readonly swarm: Readonly<Record<FuzzFaultKind, Level>>;
  /**
   * Per-run fault-kind weights: of the fault genes drawn, a run keeps every one of a kind at
   * emphasis 3, half at 2, a quarter at 1, an eighth at 0 (KEEP_PC). Some runs are thus all clock
   * jumps and pauses, others all partitions, for every protocol alike, without a profile saying
   * which kinds matter to it. Absent in corpus entries written before it existed: all kept.
   */
  readonly emphasis?: Readonly<Record<FuzzFaultKind, Level>>;
  readonly workload: { readonly clients: number; readonly ratePerSecond: number; readonly keys: number; readonly zipfian: boolean };
  readonly network: { readonly latency: LatencyGene; readonly baseLossPc: number; readonly baseDuplicatePc: number; readonly reorderPc: number; readonly reorderDelayMs: number; readonly fifo: boolean; readonly deliverInFlight: boolean };
  readonly seed: number;
  /**
   * Clients that resend a timed-out command (same seq, another node) and client links that lose,
   * duplicate and reorder like the others: used only where the configuration promises exactly-once
   * (`Promises.exactlyOnce`). Last in the genome, so runs of other configurations draw as before;
   * absent in corpus entries written before it existed; null where exactly-once is not promised.
   */
  readonly clients?: { readonly retries: number; readonly lossyLinks: boolean } | null;
  /**
   * Per mille of the main phase after which clients stop issuing ops while the faults go on
   * (0: they issue until the heal). A write lost after the last write to its key is then the
   * key's last, which the final reads see; a later write would have hidden it. Absent in corpus
   * entries written before it existed.
   */
  readonly opsStopPm?: number;
  /**
   * Every node's own clock rate, in percent of the largest drift the run's clock level allows
   * (one per node slot; null: perfect clocks but for clock faults). Used only where the
   * configuration's promises assume bounded clocks (a lease): there every clock drifts within the
   * bound, as real clocks do, so any two disagree by up to twice it. Last in the genome, so other
   * runs draw as before; absent in corpus entries written before it existed.
   */
  readonly clockRates?: readonly number[] | null;
}

export interface ScenarioArbitraryOptions {
  /** A protocol name from `protocols`. */
  readonly protocol: string;
  /**
   * Protocol options pinned for every case (the scenario's `options:`); the rest of the protocol's
   * configuration space is drawn per case.
   */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The workload model for every case (default: drawn among the protocol's models). */
  readonly model?: string;
  /** Named flaws to run with (the options a flaw needs are pinned under `options`). */
  readonly flaws?: readonly string[];
  /** Fault kinds to inject (default: DEFAULT_FAULT_KINDS, all but lying disks; [] for none). */
  readonly faults?: readonly FuzzFaultKind[];
  /** Operator actions the configuration accepts, drawn like faults (default true). */
  readonly operators?: boolean;
  /** Swarm testing (default true): each case first picks which fault kinds are on and how hard. */
  readonly swarm?: boolean;
  /** Most fault entries per case (default 8; twice as many genes are drawn, the run's emphasis keeps some). */
  readonly maxFaults?: number;
  /** Override the protocol's profile (cluster size, durations, roles). */
  readonly profile?: Partial<FuzzProfile>;
  /** The checks that judge each case (default: what each case's configuration promises). */
  readonly checks?: readonly string[];
  /** A fixed simulation seed for every case (the fuzz CLI uses the run's seed); default: generated, never shrunk. */
  readonly seed?: number;
  /** Protocols by name (default: the built-ins). */
  readonly protocols?: ReadonlyMap<string, ProtocolDefinition>;
}

/** A plain scenario-file object: what `resolveScenario` accepts and what is written as YAML. */
export type ScenarioObject = Record<string, unknown> & {
  /** Absent in a deployment's scenario, which has `groups:` instead. */
  readonly protocol?: string;
  readonly nodes?: number;
  readonly groups?: Readonly<Record<string, { readonly nodes: number }>>;
  readonly faults: readonly Record<string, unknown>[];
};

/** A scenario object's node count: its `nodes`, or its groups' together. */
export function nodeCountOf(scenario: ScenarioObject): number {
  return scenario.nodes ?? groupsNodeCount(scenario.groups ?? {});
}

/** The nodes of some groups together (a scenario's `groups:`, a deployment's). */
function groupsNodeCount(groups: Readonly<Record<string, { readonly nodes: number }>>): number {
  return Object.values(groups).reduce((sum, g) => sum + g.nodes, 0);
}

/** How long a `for:` may last, as a share of the main phase, by level. */
const FOR_SHARE: PerLevel = [0, 0.2, 0.5, 1];
const CLOCK_OFFSET_MAX_MS: PerLevel = [0, 10, 100, 500];
const CLOCK_DRIFT_MAX: PerLevel = [0, 0.01, 0.05, 0.2];
/** How long a lying disk keeps a write unsynced, at most, by level. */
const DISK_UNSYNCED_MAX_MS: PerLevel = [0, 20, 100, 500];
/** Coarsest clock resolution, by level: ties between timestamps become common. */
const CLOCK_RESOLUTION_MAX_MS: PerLevel = [0, 1, 10, 50];
/** Extra delay of a slow link, at most, by level: past election and op timeouts when hard. */
const SLOW_MAX_MS: PerLevel = [0, 20, 150, 1000];
/** Crashes in a storm beyond the first, at most, by level. */
const STORM_EXTRA: PerLevel = [0, 7, 17, 32];
/** How long each crash of a storm lasts, at most, as a share of the main phase, by level. */
const STORM_FOR_SHARE: PerLevel = [0, 0.005, 0.01, 0.02];
/** labrpc's long reordering: a reordered message is held this long (ms). */
const LONG_REORDER_MS = { min: 200, max: 2200 } as const;
const CLIENTS: { min: number; max: number } = { min: 1, max: 5 };
const RATE_PER_SECOND: { min: number; max: number } = { min: 10, max: 200 };
const KEYS: { min: number; max: number } = { min: 1, max: 5 };
const BURST_MAX: Readonly<Record<'loss' | 'duplicate' | 'reorder', readonly number[]>> = {
  loss: [0, 0.1, 0.4, 0.9],
  duplicate: [0, 0.05, 0.2, 0.5],
  reorder: [0, 0.1, 0.3, 0.6],
};
const BASE_MAX: Readonly<Record<'loss' | 'duplicate' | 'reorder', readonly number[]>> = {
  loss: [0, 0.005, 0.02, 0.08],
  duplicate: [0, 0.005, 0.02, 0.08],
  reorder: [0, 0.01, 0.05, 0.2],
};
/** Events per fuzz run: 20x the largest correct run seen (~10k), so only a storm or livelock reaches it. */
export const FUZZ_EVENT_LIMIT = 200_000;
/** Highest node index a target gene draws; taken modulo the cluster size. */
const NODE_INDEX_MAX = 15;
/** Most resends of a timed-out command, where the configuration promises exactly-once. */
const MAX_RESENDS = 3;
/** Most operator actions per run. */
export const MAX_OPERATOR_ACTIONS = 4;

/** What a genome needs besides itself to become a scenario object. */
export interface GenomeContext {
  readonly protocol: string;
  /** The configuration space, its pins, and `--checks`. */
  readonly configuration: ConfigurationDraw;
  readonly flaws: readonly string[];
  readonly quiesceMs: number;
  readonly route: FuzzProfile['route'];
  /** Workload op mix (default: the model's). */
  readonly mix?: Readonly<Record<string, number>>;
  /** Op timeout; at most (and by default) a quarter of the quiet period. */
  readonly timeoutMs?: number;
  readonly forShare?: Readonly<Partial<Record<FuzzFaultKind, PerLevel>>>;
  readonly alwaysEnd?: readonly FuzzFaultKind[];
  readonly clockOffsetMaxMs?: PerLevel;
  readonly clockDriftMax?: PerLevel;
  readonly clockDriftMin?: PerLevel;
  readonly clockSlowOnly?: boolean;
  /** Roles the protocol reports (trigger on becoming one) and note names it is known to use. */
  readonly roles?: readonly string[];
  readonly notes?: readonly string[];
  /** Protocols by name, for the groups of a deployment (default: the built-ins). */
  readonly protocols?: ReadonlyMap<string, ProtocolDefinition>;
  /** Most faults a scenario keeps (default: every gene the swarm and the emphasis keep). */
  readonly maxFaults?: number;
}

/** Promises with `--checks` in place of their checks, when given. */
function withChecks(promised: Promises, checks: readonly string[] | undefined): Promises {
  return checks === undefined ? promised : { ...promised, checks };
}

/** The resolved settings an arbitrary was built from (also used to build the genome arbitrary). */
export interface FuzzSetup {
  readonly context: GenomeContext;
  readonly profile: FuzzProfile;
  readonly kinds: readonly FuzzFaultKind[];
  readonly swarm: boolean;
  readonly operators: boolean;
  readonly maxFaults: number;
  /**
   * Whether the protocol's default configuration promises exactly-once: only then does the genome
   * draw resends and lossy client links (elsewhere they are constant, so they neither cost
   * randomness nor shrink steps).
   */
  readonly exactlyOnce?: boolean;
  readonly seed?: number;
}

/** Resolves options against the protocol's definition and fuzz profile. Throws on unknown names. */
export function fuzzSetup(options: ScenarioArbitraryOptions): FuzzSetup {
  const protocols = options.protocols ?? protocolRegistry();
  const definition = protocols.get(options.protocol);
  if (definition === undefined) throw new Error(`unknown protocol ${JSON.stringify(options.protocol)}${didYouMean(options.protocol, protocols.keys())}; expected one of ${[...protocols.keys()].join(', ')}`);
  const flaws = [...(options.flaws ?? [])];
  const profile: FuzzProfile = { ...profileFor(definition), ...options.profile };
  const known = (definition.flaws ?? []).map((f) => f.name);
  const unknownFlaws = flaws.filter((f) => !known.includes(f));
  if (unknownFlaws.length > 0) throw new Error(`unknown flaw(s) ${unknownFlaws.map((f) => `${f}${didYouMean(f, known)}`).join(', ')} for ${definition.name}; expected one of: ${known.join(', ') || '(none)'}`);
  // The options a flaw needs go under the caller's pins: an explicit option wins.
  const needs = flaws.map((f) => definition.flaws?.find((info) => info.name === f)?.needs ?? {});
  const pinned: Readonly<Record<string, unknown>> = Object.assign({}, ...needs, options.options);
  const configuration = configurationDraw({
    definition,
    pinned,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.checks !== undefined ? { checks: options.checks } : {}),
  });
  // The defaults under the pins must make a valid configuration; this throws when they do not.
  const fallback = resolveConfiguration(configuration, { model: 0, choice: {} });
  // A deployment's checks are named by group and resolved with its scenario.
  const checkNames = new Set(knownCheckNames(definition.create({ options: fallback.parsed, flaws: new Set(flaws), model: fallback.model })));
  const deployed = definition.deployment?.({ options: fallback.options, choice: fallback.choice, flaws, model: fallback.model, nodes: profile.nodes.min, clients: 1 }) !== undefined;
  const unknownChecks = deployed ? [] : (options.checks?.filter((name) => !checkNames.has(name)) ?? []);
  if (unknownChecks.length > 0) throw new Error(`unknown check(s) ${unknownChecks.map((c) => `${c}${didYouMean(c, checkNames)}`).join(', ')} for ${definition.name}; expected one of ${[...checkNames].join(', ')}`);
  const kinds = options.faults ?? profile.faultKinds ?? DEFAULT_FAULT_KINDS;
  const maxFaults = options.maxFaults ?? profile.maxFaults ?? 8;
  for (const kind of kinds) if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`unknown fault kind ${JSON.stringify(kind)}${didYouMean(kind, FAULT_KINDS)}; expected some of ${FAULT_KINDS.join(', ')}`);
  return {
    context: {
      protocol: definition.name,
      configuration,
      flaws,
      quiesceMs: profile.quiesceMs,
      route: profile.route,
      ...(profile.workload?.mix !== undefined ? { mix: profile.workload.mix } : {}),
      ...(profile.workload?.timeoutMs !== undefined ? { timeoutMs: profile.workload.timeoutMs } : {}),
      ...(profile.forShare !== undefined ? { forShare: profile.forShare } : {}),
      ...(profile.alwaysEnd !== undefined ? { alwaysEnd: profile.alwaysEnd } : {}),
      ...(profile.clockOffsetMaxMs !== undefined ? { clockOffsetMaxMs: profile.clockOffsetMaxMs } : {}),
      ...(profile.clockDriftMax !== undefined ? { clockDriftMax: profile.clockDriftMax } : {}),
      ...(profile.clockDriftMin !== undefined ? { clockDriftMin: profile.clockDriftMin } : {}),
      ...(profile.clockSlowOnly === true ? { clockSlowOnly: true } : {}),
      ...(profile.roles.length > 0 ? { roles: profile.roles } : {}),
      ...(profile.notes !== undefined && profile.notes.length > 0 ? { notes: profile.notes } : {}),
      ...(options.protocols !== undefined ? { protocols: options.protocols } : {}),
      maxFaults,
    },
    profile,
    kinds,
    swarm: options.swarm ?? true,
    operators: options.operators ?? true,
    maxFaults,
    ...(judgedBy(configuration, fallback, { nodes: profile.nodes.min, commands: [] }).exactlyOnce === true ? { exactlyOnce: true } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  };
}

/** Scenario objects for a protocol: `fc.property(scenarioArbitrary({ protocol: 'broadcast' }), ...)`. */
export function scenarioArbitrary(options: ScenarioArbitraryOptions): fc.Arbitrary<ScenarioObject> {
  const setup = fuzzSetup(options);
  return genomeArbitrary(setup).map((genome) => genomeToScenario(genome, setup.context));
}

/** Most fault genes a genome holds: twice the faults a run keeps (the emphasis keeps some). */
export function faultGenesMax(setup: Pick<FuzzSetup, 'maxFaults'>): number {
  return 2 * setup.maxFaults;
}

/** The bounds a mutated genome must stay within to remain one the arbitrary can shrink. */
export function mutationLimits(setup: Pick<FuzzSetup, 'maxFaults'>): { readonly maxFaults: number; readonly maxOperators: number } {
  return { maxFaults: faultGenesMax(setup), maxOperators: MAX_OPERATOR_ACTIONS };
}

/** Genomes; map them with genomeToScenario. */
export function genomeArbitrary(setup: FuzzSetup): fc.Arbitrary<ScenarioGenome> {
  const { profile, kinds } = setup;
  const roles = profile.roles;
  const target = targetArbitrary(roles, profile.roleTargetWeight);
  const atPm = fc.integer({ min: 0, max: 999 });
  const forPm = fc.option(fc.integer({ min: 1, max: 1000 }), { nil: null, freq: 4 });
  const pc = fc.integer({ min: 0, max: 100 });
  // A fault aimed at a protocol moment about 2 times in 5; the delay after it is mostly short.
  const trigger = triggerGeneArbitrary();
  const point: fc.Arbitrary<CrashPointGene> = fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom<CrashPointGene>('after-persist', 'partial-send') });
  const byKind: Record<FuzzFaultKind, fc.Arbitrary<FaultGene>> = {
    partition: fc.record({
      kind: fc.constant('partition' as const),
      shape: fc.constantFrom(...(profile.partitionShapes ?? PARTITION_SHAPES)),
      atPm,
      forPm,
      a: target,
      b: target,
      assign: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: profile.nodeSlots ?? profile.nodes.max, maxLength: profile.nodeSlots ?? profile.nodes.max }),
      withTarget: fc.boolean(),
      trigger,
    }),
    crash: fc.oneof(
      { weight: 4, arbitrary: fc.noShrink(fc.record({ kind: fc.constant('crash' as const), atPm, forPm, target, point, trigger })) },
      {
        weight: 1,
        // A storm shrinks by losing crashes (its count), never by moving them.
        arbitrary: fc
          .tuple(
            fc.noShrink(fc.record({ kind: fc.constant('crash-storm' as const), atPm, spanPm: fc.integer({ min: 50, max: 1000 }) })),
            fc.integer({ min: 0, max: 100 }),
            fc.noShrink(fc.record({ forPm: fc.integer({ min: 1, max: 1000 }), target })),
          )
          .map(
            ([head, count, tail]) => ({ ...head, count, ...tail }),
            // The way back lets fast-check shrink a storm it did not draw (a mutant's, corpus.ts).
            (value) => {
              const g = value as Extract<FaultGene, { kind: 'crash-storm' }>;
              if (typeof g !== 'object' || g === null || g.kind !== 'crash-storm') throw new Error('not a crash storm');
              return [{ kind: g.kind, atPm: g.atPm, spanPm: g.spanPm }, g.count, { forPm: g.forPm, target: g.target }] as const;
            },
          ),
      },
    ),
    pause: fc.record({ kind: fc.constant('pause' as const), atPm, forPm, target, trigger }),
    clock: fc.record({
      kind: fc.constant('clock' as const),
      atPm,
      target,
      offsetPc: fc.integer({ min: -100, max: 100 }),
      driftPc: fc.integer({ min: -100, max: 100 }),
      resolutionPc: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }) }),
      trigger,
    }),
    loss: fc.record({ kind: fc.constant('loss' as const), atPm, forPm, strengthPc: pc }),
    duplicate: fc.record({ kind: fc.constant('duplicate' as const), atPm, forPm, strengthPc: pc }),
    reorder: fc.record({ kind: fc.constant('reorder' as const), atPm, forPm, strengthPc: pc, long: fc.boolean() }),
    slow: fc.record({ kind: fc.constant('slow' as const), atPm, forPm, a: target, b: fc.option(target, { nil: null, freq: 3 }), strengthPc: pc, trigger }),
    disk: fc.record({ kind: fc.constant('disk' as const), atPm, forPm, target, strengthPc: pc }),
    wipe: fc.record({ kind: fc.constant('wipe' as const), atPm, forPm, target, trigger }),
  };
  const faults =
    kinds.length === 0
      ? fc.constant([] as FaultGene[])
      : // A fault shrinks by going away, not by changing: each candidate run is a new interleaving,
        // so shrink runs are better spent on removing faults, nodes and time.
        // (Only a crash storm shrinks inside: by losing crashes.)
        // Twice the most a run keeps are drawn, every kind alike; the run's emphasis keeps some
        // of each kind (KEEP_PC), so runs differ in which kinds dominate. Counts over the whole range.
        fc.array(keptGene(fc.oneof(...kinds.map((k) => (k === 'crash' ? byKind[k] : fc.noShrink(byKind[k]))))), { maxLength: faultGenesMax(setup), size: 'max' });
  const LEVELS: readonly Level[] = [0, 1, 2, 3];
  const level = (kind: FuzzFaultKind): fc.Arbitrary<Level> => {
    const min = profile.minLevel?.[kind] ?? 0;
    return setup.swarm ? fc.constantFrom<Level>(...LEVELS.filter((l) => l >= min)) : fc.constant<Level>(Math.max(2, min) as Level);
  };
  const off: fc.Arbitrary<Level> = fc.constant<Level>(0);
  const swarm = fc.record(Object.fromEntries(FAULT_KINDS.map((k) => [k, kinds.includes(k) ? level(k) : off])) as Record<FuzzFaultKind, fc.Arbitrary<Level>>);
  // Without swarm testing every kind weighs the same in every run, as it did before emphasis.
  const emphasis = setup.swarm
    ? fc.noShrink(fc.record(Object.fromEntries(FAULT_KINDS.map((k) => [k, fc.constantFrom<Level>(0, 1, 2, 3)])) as Record<FuzzFaultKind, fc.Arbitrary<Level>>))
    : fc.constant(Object.fromEntries(FAULT_KINDS.map((k) => [k, 3 as Level])) as Record<FuzzFaultKind, Level>);
  // Operator actions shrink like faults, by going away.
  // Actions aimed at protocol moments only where the protocol declares actions: elsewhere the
  // trigger is a constant and runs draw as they did before.
  const operatorTrigger = setup.context.configuration.definition.operatorActions !== undefined ? trigger : undefined;
  const operators = setup.operators ? fc.array(fc.noShrink(operatorGeneArbitrary(operatorTrigger)), { maxLength: MAX_OPERATOR_ACTIONS }) : fc.constant([] as OperatorGene[]);
  // Record order is shrink order: the size of the run first, then the faults and operator
  // actions, then the configuration (toward the defaults), then the details.
  return fc.record({
    nodes: fc.integer(profile.nodes),
    durationMs: fc.integer(profile.durationMs),
    faults,
    operators,
    config: configGeneArbitrary(setup.context.configuration),
    swarm,
    emphasis,
    workload: fc.record({
      clients: fc.integer(profile.workload?.clients ?? CLIENTS),
      ratePerSecond: fc.integer(profile.workload?.ratePerSecond ?? RATE_PER_SECOND),
      keys: fc.integer(profile.workload?.keys ?? KEYS),
      zipfian: fc.boolean(),
    }),
    network: fc.record({
      latency: fc.record({
        dist: fc.constantFrom('constant' as const, 'uniform' as const, 'exponential' as const, 'long-tail' as const),
        aMs: fc.integer({ min: 1, max: 20 }),
        bMs: fc.integer({ min: 0, max: 30 }),
        tailPc: fc.integer({ min: 1, max: 10 }),
      }),
      baseLossPc: pc,
      baseDuplicatePc: pc,
      reorderPc: pc,
      // Mostly short; one time in four past the protocols' timeouts (labrpc holds messages 2.2 s).
      reorderDelayMs: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 100 }) }, { weight: 1, arbitrary: fc.integer({ min: 101, max: LONG_REORDER_MS.max }) }),
      fifo: fc.boolean(),
      deliverInFlight: fc.boolean(),
    }),
    seed: setup.seed !== undefined ? fc.constant(setup.seed) : fc.noShrink(fc.integer({ min: 0, max: 0x7fffffff })),
    // Half the runs with resends, half with lossy client links; shrinks toward neither.
    clients:
      setup.exactlyOnce === true
        ? fc.record({ retries: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: MAX_RESENDS })), lossyLinks: fc.boolean() })
        : // null, not an object: fast-check shrinks a mutant's genome only when each constant is the same value (Object.is).
          fc.constant(null),
    // One run in three stops issuing ops between 30% and 90% into the main phase; shrinks toward
    // never (cross-shrinking tries the first arbitrary's 0 before a smaller share).
    opsStopPm: fc.oneof({ withCrossShrink: true }, { weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 300, max: 900 }) }),
    // Half the runs give every clock its own rate; shrinks to perfect clocks first.
    clockRates: fc.option(fc.noShrink(fc.array(fc.integer({ min: -100, max: 100 }), { minLength: profile.nodeSlots ?? profile.nodes.max, maxLength: profile.nodeSlots ?? profile.nodes.max })), { nil: null, freq: 2 }),
  });
}

/** Share of a kind's drawn genes a run keeps, in percent, by its emphasis on the kind. */
const KEEP_PC: readonly [number, number, number, number] = [12.5, 25, 50, 100];

/** Whether a run with this emphasis keeps the gene (genes and genomes from before emphasis: yes). */
function keptByEmphasis(gene: FaultGene, emphasis: ScenarioGenome['emphasis']): boolean {
  if (emphasis === undefined || gene.keepPc === undefined) return true;
  return gene.keepPc < KEEP_PC[emphasis[geneKind(gene)]];
}

/** A fault gene with its `keepPc` (0-99, never shrunk: a fault shrinks by going away). */
function keptGene(body: fc.Arbitrary<FaultGeneBody>): fc.Arbitrary<FaultGene> {
  return fc.tuple(body, fc.noShrink(fc.integer({ min: 0, max: 99 }))).map(
    ([gene, keepPc]) => ({ ...gene, keepPc }),
    // The way back lets fast-check shrink a gene it did not draw (a mutant's, corpus.ts); one
    // from before emphasis is kept (0).
    (value) => {
      if (typeof value !== 'object' || value === null) throw new Error('not a fault gene');
      const { keepPc, ...gene } = value as FaultGene;
      return [gene, keepPc ?? 0] as const;
    },
  );
}

function targetArbitrary(roles: readonly string[], roleWeight: number | undefined): fc.Arbitrary<TargetGene> {
  const index = { weight: 3, arbitrary: fc.integer({ min: 0, max: NODE_INDEX_MAX }) as fc.Arbitrary<TargetGene> };
  if (roleWeight === undefined || roles.length === 0) return fc.oneof(index, { weight: 1, arbitrary: fc.constantFrom<string>('random', ...roles) });
  return fc.oneof(index, { weight: 1, arbitrary: fc.constant('random') }, { weight: roleWeight, arbitrary: fc.constantFrom<string>(...roles) });
}

/** Maps a genome to a scenario-file object. Pure; every genome gives a valid scenario. */
export function genomeToScenario(genome: ScenarioGenome, context: GenomeContext): ScenarioObject {
  const { durationMs, swarm } = genome;
  const config = resolveConfiguration(context.configuration, genome.config);
  const definition = context.configuration.definition;
  // A service other services use runs with them: its deployment's groups, judged by all their promises.
  const deployment = definition.deployment?.({ options: config.options, choice: config.choice, flaws: context.flaws, model: config.model, nodes: genome.nodes, clients: genome.workload.clients });
  const nodes = deployment === undefined ? genome.nodes : groupsNodeCount(deployment.groups);
  const actions = deployment === undefined ? (definition.operatorActions?.(config.parsed) ?? []) : [];
  const spares = genome.operators.length > 0 ? sparesFor(actions) : 0;
  const commands = operatorEntries({ genes: genome.operators, actions, nodes, spares, durationMs, moments: context });
  const judged =
    deployment === undefined
      ? judgedBy(context.configuration, config, { nodes, commands: commandNames(commands) })
      : withChecks(deploymentPromises(deployment, context.protocols ?? protocolRegistry(), { healed: true, commands: [] }), context.configuration.checks);
  const node = (index: number): string => `n${(index % nodes) + 1}`;
  const targetOf = (gene: TargetGene): string => (typeof gene === 'number' ? node(gene) : gene);
  const at = (pm: number): string => `${Math.floor((pm * durationMs) / 1000)}ms`;
  const forOf = (pm: number | null, level: Level, kind: FuzzFaultKind): Record<string, string> => {
    if (pm === null && context.alwaysEnd?.includes(kind) !== true) return {};
    const share = (context.forShare?.[kind] ?? FOR_SHARE)[level];
    return { for: `${Math.max(1, Math.floor(((pm ?? 1000) / 1000) * durationMs * share))}ms` };
  };
  const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

  // The quiet period must outlast the configuration's own recovery (failure detection and a split
  // vote or two on its timeouts), with room for a final read after it: liveness asks whether
  // service comes back, on the configuration's clocks, not on the profile's. Ops still in flight at
  // the heal must time out before the final reads start (half-way through the quiet period), or a
  // client busy with an old op would issue its final read too late to count: the op timeout is at
  // most a quarter of the profile's quiet period.
  const timeoutMs = Math.max(1, Math.min(context.timeoutMs ?? 1000, Math.floor(context.quiesceMs / 4)));
  const recoveryMs = Math.ceil((judged.assumes?.recoveryUs ?? 0) / 1000);
  const quiesceMs = Math.max(context.quiesceMs, recoveryMs + 2 * timeoutMs);

  // A configuration that promises only under bounded clocks (a lease) gets clock faults within
  // them, up to the bound itself at the hard level.
  const clockBound = judged.assumes?.clock;
  const clockOffsetMaxMs = boundedPerLevel(context.clockOffsetMaxMs ?? CLOCK_OFFSET_MAX_MS, clockBound?.maxJumpUs === undefined ? undefined : clockBound.maxJumpUs / 1000);
  const clockDriftMax = boundedPerLevel(context.clockDriftMax ?? CLOCK_DRIFT_MAX, clockBound?.maxDrift);
  // Long delays (reordering, slow links) may outlast every timeout, but a message in flight at the
  // heal must still land before the final reads, half-way through the quiet period: on a FIFO
  // link everything behind it waits too, and no protocol can deliver over a stalled link.
  const stallCapMs = Math.max(1, Math.floor(quiesceMs / 2));
  const longReorder = { min: Math.min(LONG_REORDER_MS.min, Math.floor(stallCapMs / 2)), max: Math.min(LONG_REORDER_MS.max, stallCapMs) };

  // A triggered fault: `on:` and its delay; the node the event happened on is the target `trigger`.
  // (`undefined`: a clock or slow gene from before those kinds waited for moments, so none.)
  // A deployment's faults may also wait for its other groups' moments (a coordination leader elected).
  const moments = deployment?.moments === undefined ? context : { roles: [...(context.roles ?? []), ...(deployment.moments.roles ?? [])], notes: [...(context.notes ?? []), ...(deployment.moments.notes ?? [])] };
  const triggerOf = (gene: TriggerGene | null | undefined): Record<string, unknown> => triggerFields(gene ?? null, moments, durationMs);
  /** The fault's own target, or the node of its trigger (a crash hits someone else: that one is down). */
  const aimed = (gene: TriggerGene | null | undefined, target: TargetGene): string => (gene != null && gene.event !== 'crash' ? 'trigger' : targetOf(target));

  const kept = genome.faults.filter((gene) => swarm[geneKind(gene)] !== 0 && keptByEmphasis(gene, genome.emphasis)).slice(0, context.maxFaults ?? Infinity);
  // Slow links add up on a link (each fault adds its delay), and a triggered one may fire several
  // times: all of them together stay within the stall cap, so a message in flight at the heal
  // still lands before the final reads even if every slow fault hit the same link.
  const slowApplications = kept.reduce((n, gene) => n + (gene.kind === 'slow' ? (gene.trigger?.times ?? 1) : 0), 0);
  const slowFaultCapMs = Math.max(1, Math.floor(stallCapMs / Math.max(1, slowApplications)));
  const faults: Record<string, unknown>[] = [];
  for (const gene of kept) {
    const level = swarm[geneKind(gene)];
    switch (gene.kind) {
      case 'partition':
        faults.push({ at: at(gene.atPm), ...partitionOf(gene, nodes, node, targetOf, aimed(gene.trigger, gene.a)), ...forOf(gene.forPm, level, 'partition'), ...triggerOf(gene.trigger) });
        break;
      case 'crash':
        faults.push({
          at: at(gene.atPm),
          crash: aimed(gene.trigger, gene.target),
          ...(gene.point !== null ? { point: gene.point } : {}),
          ...forOf(gene.forPm, level, 'crash'),
          ...triggerOf(gene.trigger),
        });
        break;
      case 'crash-storm': {
        // Many very short crashes that always restart: the shape that makes a node restart between
        // two messages of one exchange (a vote requested, a vote granted, a vote requested again).
        const count = 1 + Math.floor((gene.count / 100) * STORM_EXTRA[level]);
        const forMs = Math.max(1, Math.floor((gene.forPm / 1000) * durationMs * STORM_FOR_SHARE[level]));
        for (let k = 0; k < count; k++) {
          const pm = Math.min(999, gene.atPm + Math.floor((k * gene.spanPm) / count));
          faults.push({ at: at(pm), crash: targetOf(gene.target), for: `${forMs}ms` });
        }
        break;
      }
      case 'pause':
        faults.push({ at: at(gene.atPm), pause: aimed(gene.trigger, gene.target), ...forOf(gene.forPm, level, 'pause'), ...triggerOf(gene.trigger) });
        break;
      case 'wipe':
        faults.push({ at: at(gene.atPm), crash: aimed(gene.trigger, gene.target), wipe: true, ...forOf(gene.forPm, level, 'wipe'), ...triggerOf(gene.trigger) });
        break;
      case 'clock': {
        const offsetMs = Math.round((gene.offsetPc / 100) * clockOffsetMaxMs[level]);
        const minDrift = Math.min(context.clockDriftMin?.[level] ?? 0, clockDriftMax[level]);
        const sign = context.clockSlowOnly === true ? -1 : Math.sign(gene.driftPc);
        const drift = sign * (minDrift + (Math.abs(gene.driftPc) / 100) * (clockDriftMax[level] - minDrift));
        const resolutionUs = gene.resolutionPc === null ? 0 : Math.max(1, Math.round((gene.resolutionPc / 100) * CLOCK_RESOLUTION_MAX_MS[level] * 1000));
        // A clock that jumps or drifts right after a moment: a new leader's or holder's lease runs on it.
        faults.push({ at: at(gene.atPm), skew: aimed(gene.trigger, gene.target), offset: `${offsetMs}ms`, drift: round(drift), ...(resolutionUs > 0 ? { resolution: `${resolutionUs}us` } : {}), ...triggerOf(gene.trigger) });
        break;
      }
      case 'loss':
      case 'duplicate':
        faults.push({ at: at(gene.atPm), network: { [gene.kind]: round((gene.strengthPc / 100) * BURST_MAX[gene.kind][level]!) }, ...forOf(gene.forPm, level, gene.kind) });
        break;
      case 'reorder':
        faults.push({
          at: at(gene.atPm),
          network: { reorder: round((gene.strengthPc / 100) * BURST_MAX.reorder[level]!), ...(gene.long ? { reorderDelay: { min: `${longReorder.min}ms`, max: `${longReorder.max}ms` } } : {}) },
          ...forOf(gene.forPm, level, 'reorder'),
        });
        break;
      case 'slow':
        faults.push({
          at: at(gene.atPm),
          slow: aimed(gene.trigger, gene.a),
          ...(gene.b !== null ? { to: [targetOf(gene.b)] } : {}),
          delay: `${Math.max(1, Math.round((gene.strengthPc / 100) * Math.min(SLOW_MAX_MS[level], slowFaultCapMs)))}ms`,
          ...forOf(gene.forPm, level, 'slow'),
          ...triggerOf(gene.trigger),
        });
        break;
      case 'disk':
        faults.push({
          at: at(gene.atPm),
          disk: targetOf(gene.target),
          unsynced: `${Math.max(1, Math.round((gene.strengthPc / 100) * DISK_UNSYNCED_MAX_MS[level]))}ms`,
          ...forOf(gene.forPm, level, 'disk'),
        });
        break;
    }
  }

  // Slow links are a fault too, but a final read's attempt must be able to succeed: a round trip
  // through the slowest tail (or reorder delay) must fit in the op timeout, or liveness fails for nothing.
  // A configuration whose timeouts allow for shorter delays (promises.assumes.maxDelayUs) gets
  // links within them.
  const slowCapMs = Math.max(1, Math.floor(Math.min(timeoutMs / 5, (judged.assumes?.maxDelayUs ?? Infinity) / 1000)));

  const net = genome.network;
  const network: Record<string, unknown> = { latency: latencyOf(net.latency, slowCapMs) };
  // Background loss, duplication and reordering are a fault entry at 0ms rather than the
  // scenario's network settings, so the heal turns them off too and liveness is judged on a
  // clean network. (A burst that ends also ends them: the network resets to the scenario's.)
  const background: Record<string, number> = {};
  const loss = round((net.baseLossPc / 100) * BASE_MAX.loss[swarm.loss]!);
  const duplicate = round((net.baseDuplicatePc / 100) * BASE_MAX.duplicate[swarm.duplicate]!);
  const reorder = round((net.reorderPc / 100) * BASE_MAX.reorder[swarm.reorder]!);
  if (loss > 0) background.loss = loss;
  if (duplicate > 0) background.duplicate = duplicate;
  if (reorder > 0) background.reorder = reorder;
  // Where the promises rest on bounded clocks, each node's clock runs at its own rate within the
  // bound from the start, as real clocks do: whichever nodes end up holding a lease and expiring
  // it disagree, by up to twice the bound (one fast, one slow), not only the few nodes a clock
  // fault names. Clock faults come on top, within the same bound.
  const rates = clockBound !== undefined && swarm.clock > 0 ? (genome.clockRates ?? null) : null;
  if (rates !== null) {
    const rated = Array.from({ length: nodes }, (_, i) => {
      const drift = round(((rates[i % rates.length] ?? 0) / 100) * clockDriftMax[swarm.clock]);
      return { at: '0ms', skew: node(i), drift: context.clockSlowOnly === true ? -Math.abs(drift) : drift };
    });
    faults.unshift(...rated.filter((f) => f.drift !== 0));
  }
  if (Object.keys(background).length > 0) faults.unshift({ at: '0ms', network: background });
  // Reordering needs a delay to draw from, so the setting exists whenever the kind is on. It is
  // capped by the stall cap, not by the op timeout like slow latency: the heal turns reordering
  // off, so the final reads never wait for it, and delays past the protocols' timeouts are the point.
  if (swarm.reorder > 0) network.reorder = { p: 0, delay: `${Math.min(net.reorderDelayMs, stallCapMs)}ms` };
  if (net.fifo) network.fifo = true;
  if (net.deliverInFlight) network.inFlightOnCut = 'deliver';
  // Resent commands and lossy, duplicating client links test exactly-once, where it is promised.
  const resends = judged.exactlyOnce === true ? (genome.clients?.retries ?? 0) : 0;
  if (judged.exactlyOnce === true && genome.clients?.lossyLinks === true) network.lossyClientLinks = true;

  faults.push(...commands);

  const w = genome.workload;
  // Workload clients of a deployment address its service (none: its clients are nodes of a group).
  const service = deployment === undefined ? {} : { service: deployment.workload.service };
  if (deployment !== undefined && deployment.workload.clients === 0) {
    return {
      name: `fuzz-${context.protocol}${context.flaws.length > 0 ? '-' + context.flaws.join('-') : ''}-${genome.seed}`,
      groups: groupsOf(deployment),
      seed: genome.seed,
      duration: `${durationMs}ms`,
      network,
      workload: { ...service, clients: 0 },
      faults,
      heal: { quiesce: `${quiesceMs}ms`, restart: true },
      checks: [...judged.checks],
      expect: 'pass',
      limits: { events: FUZZ_EVENT_LIMIT },
    };
  }
  const workload: Record<string, unknown> = { ...service, model: config.model, clients: deployment?.workload.clients ?? w.clients, rate: `${w.ratePerSecond}/s`, timeout: `${timeoutMs}ms`, route: context.route };
  if (context.mix !== undefined) workload.mix = { ...context.mix };
  if (resends > 0) workload.retries = resends;
  // The final phase opens with one write wherever that write may be read back at once: liveness
  // then asks that the service takes writes again after the heal, not only reads (a master-slave
  // primary that never answered a write passed every check), and configurations whose reads wait
  // for a write of the leader's term (readsWaitForWrite) get their reads served. Read back at
  // once: only linearizable reads must see it (an eventually consistent store's replica may not
  // have it yet, which the durability checks would call a lost write); broadcast's checks judge
  // what the nodes hold at the end, not what the final read returned.
  if (judged.readsWaitForWrite === true || judged.checks.includes('linearizable') || config.model === 'broadcast') workload.finalWrite = true;
  const opsStopPm = genome.opsStopPm ?? 0;
  if (opsStopPm > 0) workload.until = `${Math.max(1, Math.floor((opsStopPm * durationMs) / 1000))}ms`;
  if (config.model === 'kv' || isTxnModel(config.model)) {
    workload.keys = w.keys;
    if (w.zipfian && w.keys > 1) workload.keyDistribution = 'zipfian';
  }

  return {
    name: `fuzz-${context.protocol}${context.flaws.length > 0 ? '-' + context.flaws.join('-') : ''}-${genome.seed}`,
    ...(deployment !== undefined
      ? { groups: groupsOf(deployment) }
      : {
          protocol: context.protocol,
          ...(Object.keys(config.options).length > 0 ? { options: { ...config.options } } : {}),
          ...(context.flaws.length > 0 ? { flaws: [...context.flaws] } : {}),
          nodes,
        }),
    ...(spares > 0 ? { spares } : {}),
    seed: genome.seed,
    duration: `${durationMs}ms`,
    network,
    workload,
    faults,
    heal: { quiesce: `${quiesceMs}ms`, restart: true },
    checks: [...judged.checks],
    expect: 'pass',
    // A storm or livelock fails `health` here instead of running for minutes.
    limits: { events: FUZZ_EVENT_LIMIT },
  };
}

/** A deployment's groups as a scenario's `groups:` (copies). */
function groupsOf(deployment: Deployment): Record<string, DeploymentGroup> {
  return Object.fromEntries(Object.entries(deployment.groups).map(([name, g]) => [name, { ...g, ...(g.flaws !== undefined ? { flaws: [...g.flaws] } : {}) }]));
}

/**
 * A per-level table within an assumed bound `max` (undefined: as is). The hard level reaches the
 * bound itself, wherever the table stops: a configuration that claims to tolerate clocks up to
 * its bound is tested at that edge (boundary values), where a margin computed wrongly shows.
 */
function boundedPerLevel(table: PerLevel, max: number | undefined): PerLevel {
  return max === undefined ? table : [0, Math.min(table[1], max), Math.min(table[2], max), max];
}

function partitionOf(
  gene: Extract<FaultGene, { kind: 'partition' }>,
  nodes: number,
  node: (index: number) => string,
  targetOf: (gene: TargetGene) => string,
  /** The node the partition is aimed at (gene `a`, or `trigger`). */
  a: string,
): Record<string, unknown> {
  switch (gene.shape) {
    case 'isolate':
      return { partition: 'isolate', target: a };
    case 'split': {
      // Nodes assigned group 0 form the unlisted rest; groups 1 and 2 are listed.
      const groups = [1, 2]
        .map((g) => gene.assign.slice(0, nodes).flatMap((x, i) => (x === g ? [node(i)] : [])))
        .filter((group) => group.length > 0);
      return { partition: 'split', groups: groups.length > 0 ? groups : [[node(0)]] };
    }
    case 'majority-minority':
      return gene.withTarget || a === 'trigger' ? { partition: 'majority-minority', minorityWith: a } : { partition: 'majority-minority' };
    case 'one-way':
      return { partition: 'one-way', from: [a], to: [targetOf(gene.b)] };
    case 'bridge':
      return { partition: 'bridge', bridge: a };
  }
}

function latencyOf(gene: LatencyGene, slowCapMs: number): unknown {
  const ms = (x: number): string => `${x}ms`;
  // Everything below the slow-link cap: a constant or uniform within it, an exponential whose
  // mean is a fifth of it (longer delays are then rare: e^-5 per message), a tail up to it.
  const a = Math.max(1, Math.min(gene.aMs, slowCapMs));
  switch (gene.dist) {
    case 'constant':
      return ms(a);
    case 'uniform':
      return { dist: 'uniform', min: ms(a), max: ms(Math.min(a + gene.bMs, slowCapMs)) };
    case 'exponential':
      return { dist: 'exponential', mean: ms(Math.max(1, Math.min(a, Math.floor(slowCapMs / 5)))), min: '1ms' };
    case 'long-tail':
      return {
        dist: 'long-tail',
        base: { dist: 'exponential', mean: ms(Math.max(1, Math.min(a, Math.floor(slowCapMs / 5)))), min: '1ms' },
        tail: { dist: 'uniform', min: ms(Math.min(50, slowCapMs)), max: ms(Math.min(50 + gene.bMs * 5, slowCapMs)) },
        p: gene.tailPc / 100,
      };
  }
}

/** Sizes a shrink is measured by. `ops` needs a run (it counts invoked ops). */
export interface ScenarioSize {
  readonly faults: number;
  readonly nodes: number;
  readonly durationMs: number;
  readonly clients: number;
  readonly ops?: number;
}

export function scenarioSize(scenario: ScenarioObject, invokedOps?: number): ScenarioSize {
  const workload = (scenario.workload ?? {}) as { clients?: number };
  const duration = String(scenario.duration ?? '10s');
  const match = /^(\d+)ms$/.exec(duration);
  return {
    faults: scenario.faults.length,
    nodes: nodeCountOf(scenario),
    durationMs: match !== null ? Number(match[1]) : Number.NaN,
    clients: workload.clients ?? 3,
    ...(invokedOps !== undefined ? { ops: invokedOps } : {}),
  };
}
