/**
 * The scenario schema: one zod schema for the YAML file, with human units, documented defaults
 * (docs/SCENARIOS.md), and a transform into the resolved `Scenario` the runner consumes.
 */
import { z } from 'zod';
import { parseDurationUs, parseRatePerSecond } from '../core/time.js';
import { durationUs } from '../protocols/common/options.js';

const DURATION_HINT = 'a duration such as 150ms, 2s, 1m or 250us';

/** A non-negative duration in µs (the one definition protocols' options use too). */
export const duration = durationUs;

/** A duration that may be negative (clock offsets): `-200ms`. */
const signedDuration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const negative = typeof value === 'string' ? value.trim().startsWith('-') : value < 0;
  const magnitude = typeof value === 'string' ? value.trim().replace(/^-/, '') : Math.abs(value);
  const us = parseDurationUs(magnitude);
  if (us === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected ${DURATION_HINT}, optionally negative (-200ms), got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return negative ? -us : us;
});

const rate = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const perSecond = parseRatePerSecond(value);
  if (perSecond === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a rate such as 200/s or 5/ms, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return perSecond;
});

const probability = z.number().min(0).max(1);
const nodeName = z.string().regex(/^n[1-9][0-9]*$/, 'expected a node id such as n1');
/** A node id, `random`, or a role name. */
const target = z.string().min(1);

type LatencyInput =
  | string
  | number
  | { dist: 'constant'; value: string | number }
  | { dist: 'uniform'; min: string | number; max: string | number }
  | { dist: 'exponential'; mean: string | number; min?: string | number }
  | { dist: 'long-tail'; base: LatencyInput; tail: LatencyInput; p: number };

const latencyObject: z.ZodType<unknown, LatencyInput> = z.lazy(() =>
  z.union([
    duration.transform((valueUs) => ({ dist: 'constant' as const, valueUs })),
    z.strictObject({ dist: z.literal('constant'), value: duration }).transform((l) => ({ dist: 'constant' as const, valueUs: l.value })),
    z
      .strictObject({ dist: z.literal('uniform'), min: duration, max: duration })
      .refine((l) => l.max >= l.min, { message: 'max must be at least min', path: ['max'] })
      .transform((l) => ({ dist: 'uniform' as const, minUs: l.min, maxUs: l.max })),
    z
      .strictObject({ dist: z.literal('exponential'), mean: duration, min: duration.optional() })
      .transform((l) => ({ dist: 'exponential' as const, meanUs: l.mean, minUs: l.min ?? 0 })),
    z
      .strictObject({ dist: z.literal('long-tail'), base: latencyObject, tail: latencyObject, p: probability })
      .transform((l) => ({ dist: 'long-tail' as const, base: l.base, tail: l.tail, tailProbability: l.p })),
  ]),
) as z.ZodType<unknown, LatencyInput>;

const networkSchema = z
  .strictObject({
    latency: latencyObject.optional(),
    loss: probability.default(0),
    duplicate: probability.default(0),
    reorder: z.strictObject({ p: probability, delay: duration }).optional(),
    fifo: z.boolean().default(false),
    inFlightOnCut: z.enum(['drop', 'deliver']).default('drop'),
    lossyClientLinks: z.boolean().default(false),
  })
  .default({ loss: 0, duplicate: 0, fifo: false, inFlightOnCut: 'drop', lossyClientLinks: false });

const workloadSchema = z
  .strictObject({
    model: z.enum(['kv', 'register', 'counter', 'set', 'broadcast']).optional(),
    clients: z.number().int().min(1).max(1000).default(3),
    rate: rate.optional(),
    think: duration.default(0),
    keys: z.number().int().min(1).max(100_000).default(3),
    keyDistribution: z
      .union([z.literal('uniform'), z.literal('zipfian'), z.strictObject({ zipfian: z.number().positive() })])
      .default('uniform'),
    mix: z.record(z.string(), z.number().min(0)).optional(),
    timeout: duration.default(1_000_000),
    retryDelay: duration.default(10_000),
    route: z.enum(['random', 'sticky', 'leader']).default('leader'),
    until: duration.optional(),
    finalReads: z.boolean().default(true),
  })
  .default({ clients: 3, think: 0, keys: 3, keyDistribution: 'uniform', timeout: 1_000_000, retryDelay: 10_000, route: 'leader', finalReads: true });

/** Fault entries: `at`, optional `for`, and exactly one action key. */
const faultSchema = z
  .strictObject({
    at: duration,
    for: duration.optional(),
    name: z.string().optional(),
    // partitions
    partition: z.enum(['isolate', 'split', 'majority-minority', 'one-way', 'bridge']).optional(),
    target: target.optional(),
    groups: z.array(z.array(nodeName).min(1)).min(1).optional(),
    minorityWith: target.optional(),
    from: z.array(target).min(1).optional(),
    to: z.array(target).min(1).optional(),
    bridge: target.optional(),
    left: z.array(nodeName).optional(),
    right: z.array(nodeName).optional(),
    heal: z.string().optional(),
    // nodes
    crash: target.optional(),
    restart: target.optional(),
    pause: target.optional(),
    resume: target.optional(),
    start: nodeName.optional(),
    skew: target.optional(),
    offset: signedDuration.optional(),
    drift: z.number().gt(-1).lt(10).optional(),
    disk: target.optional(),
    unsynced: duration.optional(),
    command: z.string().optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    network: z
      .strictObject({ loss: probability.optional(), duplicate: probability.optional(), reorder: probability.optional() })
      .optional(),
  })
  .superRefine((fault, ctx) => {
    const actions = ACTION_KEYS.filter((key) => fault[key] !== undefined);
    if (actions.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message:
          actions.length === 0
            ? `expected one action: ${ACTION_KEYS.join(', ')}`
            : `expected exactly one action, got ${actions.join(' and ')}`,
      });
      return;
    }
    const need = (field: keyof typeof fault, why: string): void => {
      if (fault[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required ${why}` });
    };
    switch (fault.partition) {
      case 'isolate':
        need('target', 'for an isolate partition (a node id, random, or a role such as leader)');
        break;
      case 'split':
        need('groups', 'for a split partition: a list of node groups');
        break;
      case 'one-way':
        need('from', 'for a one-way partition');
        need('to', 'for a one-way partition');
        break;
      case 'bridge':
        need('bridge', 'for a bridge partition: the node that still reaches both sides');
        break;
      default:
        break;
    }
    if (fault.command !== undefined) need('target', 'for a command: the node that receives it');
    if (fault.disk !== undefined) need('unsynced', 'for a disk fault: how long a write stays unsynced (e.g. 50ms; 0 makes the disk honest)');
    if (fault.skew !== undefined && fault.offset === undefined && fault.drift === undefined) {
      ctx.addIssue({ code: 'custom', path: ['offset'], message: 'a skew needs an offset, a drift or both' });
    }
    if (fault.for !== undefined && !['partition', 'crash', 'pause', 'network', 'disk'].includes(actions[0]!)) {
      ctx.addIssue({ code: 'custom', path: ['for'], message: '`for` applies to partition, crash, pause, network and disk faults' });
    }
  });

const ACTION_KEYS = ['partition', 'heal', 'crash', 'restart', 'pause', 'resume', 'start', 'skew', 'command', 'network', 'disk'] as const;

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    protocol: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
    flaws: z.array(z.string()).default([]),
    nodes: z.number().int().min(1).max(64).default(3),
    spares: z.number().int().min(0).max(16).default(0),
    seed: z.union([z.number().int().min(0), z.string().min(1)]).default(1),
    duration: duration.default(10_000_000),
    network: networkSchema,
    workload: workloadSchema,
    faults: z.array(faultSchema).default([]),
    heal: z
      .union([z.literal(false), z.strictObject({ quiesce: duration.default(5_000_000), restart: z.boolean().default(true) })])
      .default({ quiesce: 5_000_000, restart: true }),
    checks: z.array(z.string().min(1)).optional(),
    expect: z.union([z.literal('pass'), z.strictObject({ violates: z.array(z.string().min(1)).min(1) })]).default('pass'),
    limits: z
      .strictObject({
        events: z.number().int().positive().optional(),
        queue: z.number().int().positive().optional(),
      })
      .default({}),
  })
  .superRefine((s, ctx) => {
    const total = s.nodes + s.spares;
    s.faults.forEach((fault, i) => {
      for (const field of ['groups', 'left', 'right'] as const) {
        const lists = field === 'groups' ? (fault.groups ?? []) : [fault[field] ?? []];
        for (const list of lists)
          for (const id of list)
            if (Number(id.slice(1)) > total)
              ctx.addIssue({ code: 'custom', path: ['faults', i, field], message: `node ${id} does not exist (the cluster has n1..n${total})` });
      }
      if (fault.start !== undefined && Number(fault.start.slice(1)) > total)
        ctx.addIssue({ code: 'custom', path: ['faults', i, 'start'], message: `node ${fault.start} does not exist (the cluster has n1..n${total})` });
      if (fault.at > s.duration)
        ctx.addIssue({ code: 'custom', path: ['faults', i, 'at'], message: `the fault is after the end of the main phase (duration ${s.duration / 1e6}s)` });
    });
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;
export type FaultEntry = ParsedScenario['faults'][number];
