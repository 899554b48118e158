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
    reorder: z
      .strictObject({ p: probability, delay: duration, min: duration.optional() })
      .refine((r) => r.min === undefined || r.min <= r.delay, { message: 'min must be at most delay', path: ['min'] })
      .optional(),
    fifo: z.boolean().default(false),
    inFlightOnCut: z.enum(['drop', 'deliver']).default('drop'),
    lossyClientLinks: z.boolean().default(false),
  })
  .default({ loss: 0, duplicate: 0, fifo: false, inFlightOnCut: 'drop', lossyClientLinks: false });

const workloadSchema = z
  .strictObject({
    model: z.enum(['kv', 'register', 'counter', 'set', 'broadcast', 'list-append', 'rw-register']).optional(),
    /** 0: no workload clients (a multi-group scenario whose clients are nodes, such as lock clients). */
    clients: z.number().int().min(0).max(1000).default(3),
    /** Multi-group scenarios: the group whose nodes the clients address (default: the first group). */
    service: z.string().min(1).optional(),
    rate: rate.optional(),
    think: duration.default(0),
    keys: z.number().int().min(1).max(100_000).default(3),
    keyDistribution: z
      .union([z.literal('uniform'), z.literal('zipfian'), z.strictObject({ zipfian: z.number().positive() })])
      .default('uniform'),
    mix: z.record(z.string(), z.number().min(0)).optional(),
    /** Transactional models: most micro-ops per transaction (each has 1 to this many). */
    maxTxnOps: z.number().int().min(1).max(100).default(5),
    timeout: duration.default(1_000_000),
    retryDelay: duration.default(10_000),
    /** Times a timed-out command is resent with the same sequence number, to another node (the timeout is split between attempts). */
    retries: z.number().int().min(0).max(10).optional(),
    route: z.enum(['random', 'sticky', 'leader']).default('leader'),
    until: duration.optional(),
    finalReads: z.boolean().default(true),
    /**
     * The final phase opens with one write (kv: to a key of its own), and the final reads go out
     * once it completed ok: for configurations whose reads wait for a write of the current
     * leader's term (Raft with no no-op on election), as an application's own traffic would give.
     */
    finalWrite: z.boolean().default(false),
  })
  .default({ clients: 3, think: 0, keys: 3, keyDistribution: 'uniform', maxTxnOps: 5, timeout: 1_000_000, retryDelay: 10_000, route: 'leader', finalReads: true, finalWrite: false });

/** The extra delay of reordered messages: up to a duration, or a range (`{ min: 200ms, max: 2200ms }`). */
const reorderDelay = z.preprocess(
  (raw) => (typeof raw === 'object' && raw !== null ? raw : { max: raw }),
  z
    .strictObject({ min: duration.optional(), max: duration })
    .refine((r) => r.max >= (r.min ?? 0), { message: 'max must be at least min', path: ['max'] })
    .transform((r) => ({ minUs: r.min ?? 0, maxUs: r.max })),
);

const TRIGGER_EVENTS = ['became', 'persist', 'send', 'deliver', 'reply', 'note', 'crash', 'restart'] as const;
/** `any` (or `true` for events without a detail) matches every occurrence. */
const triggerDetail = z.union([z.string().min(1), z.literal(true)]);

/**
 * `on:` of a triggered fault: one protocol moment, e.g. `{ became: leader }`, `{ send: vote-reply }`,
 * `{ reply: ok }`, `{ note: installed-snapshot }`, `persist`, `{ crash: any, node: n2 }`.
 */
const triggerSchema = z.preprocess(
  // `on: persist` is short for `on: { persist: any }`.
  (raw) => (typeof raw === 'string' ? { [raw]: true } : raw),
  z
    .strictObject({
      became: triggerDetail.optional(),
      persist: triggerDetail.optional(),
      send: triggerDetail.optional(),
      deliver: triggerDetail.optional(),
      reply: z.enum(['ok', 'fail', 'info', 'redirect', 'any']).optional(),
      note: triggerDetail.optional(),
      crash: triggerDetail.optional(),
      restart: triggerDetail.optional(),
      /** Only events on this node (an id, or a role resolved when the event happens). */
      node: z.string().min(1).optional(),
    })
    .superRefine((on, ctx) => {
      const events = TRIGGER_EVENTS.filter((k) => on[k] !== undefined);
      if (events.length !== 1) ctx.addIssue({ code: 'custom', message: `expected exactly one event: ${TRIGGER_EVENTS.join(', ')}${events.length > 1 ? ` (got ${events.join(' and ')})` : ''}` });
      if (on.node === 'random' || on.node === 'random-other' || on.node === 'trigger') ctx.addIssue({ code: 'custom', path: ['node'], message: 'expected a node id or a role' });
    })
    .transform((on) => {
      const key = TRIGGER_EVENTS.find((k) => on[k] !== undefined)!;
      const raw = on[key];
      const detail = raw === true || raw === 'any' ? undefined : raw;
      return { event: key === 'became' ? ('role' as const) : key, ...(detail !== undefined ? { detail } : {}), ...(on.node !== undefined ? { node: on.node } : {}) };
    }),
);

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
    /** crash: inside the next step that reaches this point, instead of now. */
    point: z.enum(['after-persist', 'partial-send']).optional(),
    /** crash: the node comes back with an empty disk (a replaced machine). */
    wipe: z.boolean().optional(),
    restart: target.optional(),
    pause: target.optional(),
    resume: target.optional(),
    start: nodeName.optional(),
    skew: target.optional(),
    offset: signedDuration.optional(),
    drift: z.number().gt(-1).lt(10).optional(),
    /** skew: readings rounded down to a multiple of this (a coarse clock: timestamps tie). */
    resolution: duration.optional(),
    /** slow links: `slow: n1` (every link of n1) or with `to: [n2]`; each message takes `delay` longer. */
    slow: target.optional(),
    delay: duration.optional(),
    disk: target.optional(),
    unsynced: duration.optional(),
    command: z.string().optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    network: z
      .strictObject({ loss: probability.optional(), duplicate: probability.optional(), reorder: probability.optional(), reorderDelay: reorderDelay.optional() })
      .optional(),
    // triggered faults
    on: triggerSchema.optional(),
    /** A triggered fault fires this long after its event (default 0)... */
    after: duration.optional(),
    /** ...or at a random delay up to this long after it. */
    within: duration.optional(),
    /** How many times a trigger fires (default 1). */
    times: z.number().int().min(1).max(10_000).optional(),
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
    if (fault.skew !== undefined && fault.offset === undefined && fault.drift === undefined && fault.resolution === undefined) {
      ctx.addIssue({ code: 'custom', path: ['offset'], message: 'a skew needs an offset, a drift, a resolution or several' });
    }
    if (fault.slow !== undefined) need('delay', 'for slow links: how much longer each message takes (e.g. 200ms)');
    const only = (field: keyof typeof fault, action: (typeof ACTION_KEYS)[number], what: string): void => {
      if (fault[field] !== undefined && actions[0] !== action) ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to ${what} only` });
    };
    only('point', 'crash', 'crash faults');
    only('wipe', 'crash', 'crash faults');
    only('resolution', 'skew', 'skew (clock) faults');
    only('delay', 'slow', 'slow links');
    if (fault.to !== undefined && fault.partition !== 'one-way' && fault.slow === undefined) ctx.addIssue({ code: 'custom', path: ['to'], message: 'to applies to one-way partitions and slow links' });
    for (const field of ['after', 'within', 'times'] as const) {
      if (fault[field] !== undefined && fault.on === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to triggered faults (with on:)` });
    }
    if (fault.after !== undefined && fault.within !== undefined) ctx.addIssue({ code: 'custom', path: ['within'], message: 'give after (a fixed delay) or within (a random one), not both' });
    if (fault.on !== undefined && (actions[0] === 'heal' || actions[0] === 'start')) ctx.addIssue({ code: 'custom', path: ['on'], message: `a ${actions[0]} cannot be triggered` });
    if (fault.for !== undefined && !['partition', 'crash', 'pause', 'network', 'disk', 'slow'].includes(actions[0]!)) {
      ctx.addIssue({ code: 'custom', path: ['for'], message: '`for` applies to partition, crash, pause, network, disk and slow faults' });
    }
  });

const ACTION_KEYS = ['partition', 'heal', 'crash', 'restart', 'pause', 'resume', 'start', 'skew', 'command', 'network', 'disk', 'slow'] as const;

/** A group name: how faults, checks and other services address the group (`db.primary`). */
const groupName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a group name such as coord or db (lowercase letters, digits, hyphens)');

/** The most nodes a scenario may run, over all its groups (see `nodes` below for why). */
export const MAX_NODES = 512;
const MAX_NODES_REASON =
  'a leader messages every peer on every heartbeat, so a run\'s cost grows with the cluster (measured in docs/PERFORMANCE.md: a 101-node Raft cluster or a 257-node leaderless ring runs a minute of virtual time in 2-6 s of CPU)';

/** One service of a multi-group scenario: its protocol, options, flaws and node count. */
const groupSchema = z.strictObject({
  protocol: z.string().min(1),
  options: z.record(z.string(), z.unknown()).default({}),
  flaws: z.array(z.string()).default([]),
  nodes: z.number().int().min(1).max(MAX_NODES, `at most ${MAX_NODES} nodes: ${MAX_NODES_REASON}`).default(3),
});

/** One scripted client op: `write x 1`, `read x`, `cas x 1 2` (f, key, then the value), or a mapping. */
const scriptedOp = z.union([
  z.string().regex(/^\S+\s+\S+(\s+\S+)*$/, 'expected an op such as "write x 1", "read x" or "cas x 1 2" (f, key, then the value)'),
  z.strictObject({ f: z.string().min(1), key: z.string().min(1).optional(), value: z.unknown().optional() }),
]);

/**
 * `explore:` (dsim explore): the bounds of an exhaustive exploration and its small scripted
 * workload; `choices` is a recorded choice log (a counterexample) that replays as decisions.
 */
const exploreSchema = z.strictObject({
  /** Choices on a path at most (the search's depth bound). */
  depth: z.number().int().min(1).max(10_000).default(20),
  /** Distinct states at most before the search stops, inconclusive. */
  maxStates: z.number().int().min(1).default(200_000),
  strategy: z.enum(['bfs', 'dfs', 'random-walk', 'pct', 'partitions', 'partitions-dfs']).default('bfs'),
  /** PCT: the bug depth d aimed at (d-1 priority change points per run). */
  pctDepth: z.number().int().min(1).max(50).default(3),
  /** Crash-and-restart choices on a path (the node restarts at once from its durable state). */
  crashes: z.number().int().min(0).max(100).default(0),
  /** Message losses on a path (a pending message dropped). */
  drops: z.number().int().min(0).max(100).default(0),
  /** Message duplications on a path (a second copy of a pending message). */
  duplicates: z.number().int().min(0).max(100).default(0),
  /**
   * Messages on a path overtaken by a later message on their link, at most (delay bounding). When
   * absent: single-choice strategies deliver pending messages in any order, and partition steps
   * keep each link in send order.
   */
  reorders: z.number().int().min(0).max(100).optional(),
  /** Timer firings on a path (unbounded when absent: then only the depth bounds them). */
  timeouts: z.number().int().min(0).max(10_000).optional(),
  /** Partition changes on a path (strategies partitions and partitions-dfs; unbounded when absent). */
  partitions: z.number().int().min(0).max(10_000).optional(),
  /** Treat node ids as interchangeable: states equal up to renaming nodes are explored once. */
  symmetry: z.boolean().default(false),
  /**
   * `timers`: a timer fires at its deadline (time moves with timers). `frozen`: time stands still
   * and timers are pure choices; for protocols whose safety does not read the clock (no leases,
   * no CheckQuorum): times recorded in states then never tell interleavings apart.
   */
  time: z.enum(['timers', 'frozen']).default('timers'),
  /** Each client's ops, in order; a client invokes its next op when it is idle (a choice, with the node it asks). */
  clients: z.array(z.array(scriptedOp).min(1)).min(1).max(8).default([['write x 1']]),
  /**
   * Bounded liveness: from every explored state, once the faults stop (no more crashes, drops,
   * duplicates, partition changes; the network heals), one canonical fair continuation (messages
   * delivered oldest first, timers fired in deadline order when none is in flight, a client whose
   * op is open resending it once per quiet spell) must within `within` steps answer every invoked
   * op and make the scenario's convergence checks pass. docs/EXPLORE.md, "Liveness".
   */
  liveness: z.strictObject({ within: z.number().int().min(1).max(100_000) }).optional(),
  /** A recorded choice log: `dsim replay` makes these choices, in order, through the kernel. */
  choices: z.array(z.string().min(1)).optional(),
});

export const scenarioSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    description: z.string().optional(),
    /** Required unless `groups` is given. */
    protocol: z.string().min(1).optional(),
    /**
     * Several services, each a group of nodes running its own protocol: nodes are numbered across
     * groups in order (the first group's are n1..), and `group.role` targets a role in a group.
     */
    groups: z.record(groupName, groupSchema).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
    flaws: z.array(z.string()).default([]),
    // Measured (docs/PERFORMANCE.md): a 101-node Raft cluster and a 257-node leaderless ring each
    // run a minute of virtual time in seconds of CPU; Raft's leader costs O(peers) per heartbeat.
    nodes: z
      .number()
      .int()
      .min(1)
      .max(MAX_NODES, `at most ${MAX_NODES} nodes: ${MAX_NODES_REASON}`)
      .default(3),
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
    explore: exploreSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.groups === undefined && s.protocol === undefined) ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'required: a protocol name (or groups: for several services)' });
    if (s.groups !== undefined) {
      for (const field of ['protocol', 'options', 'flaws'] as const) {
        const given = field === 'protocol' ? s.protocol !== undefined : field === 'options' ? Object.keys(s.options).length > 0 : s.flaws.length > 0;
        if (given) ctx.addIssue({ code: 'custom', path: [field], message: `with groups, each group names its own ${field} (groups.NAME.${field})` });
      }
      if (s.spares > 0) ctx.addIssue({ code: 'custom', path: ['spares'], message: 'spares are not supported with groups' });
      if (Object.keys(s.groups).length === 0) ctx.addIssue({ code: 'custom', path: ['groups'], message: 'expected at least one group' });
      const groupNodes = Object.values(s.groups).reduce((sum, g) => sum + g.nodes, 0);
      if (groupNodes > MAX_NODES)
        ctx.addIssue({ code: 'custom', path: ['groups'], message: `at most ${MAX_NODES} nodes over all groups (these have ${groupNodes}): one kernel runs them all, and ${MAX_NODES_REASON}` });
    }
    const total = (s.groups === undefined ? s.nodes : Object.values(s.groups).reduce((sum, g) => sum + g.nodes, 0)) + s.spares;
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
export type ExploreEntry = NonNullable<ParsedScenario['explore']>;
export type FaultEntry = ParsedScenario['faults'][number];
