/**
 * The check registry: names a scenario can list in `checks`, resolved against the generic checks,
 * the protocol's invariants and the protocol's own checks.
 */
import { DEFAULT_LIMITS } from '../kernel/simulation.js';
import { pairOperations, type History, type Operation } from '../core/history.js';
import type { AnyProtocol, CheckVerdict, NodeView } from '../core/protocol.js';
import { checkConverged, checkDurable, checkLiveness } from '../checkers/generic.js';
import { checkCounterBounds } from '../checkers/crdt-checks.js';
import { checkLinearizability, describeOperation, explainEvidence, getModel, partitionByKey, whyStuck } from '../checkers/linearizability/index.js';
import { plural } from '../core/plural.js';
import { checkIsolation, describeAnomaly, forbids, type ConsistencyModel, type IsolationResult } from '../checkers/isolation/index.js';
import { checkTxnDurable } from '../checkers/isolation/durable.js';
import type { Finding } from '../kernel/findings.js';
import type { ModelName } from '../workload/generators.js';
import { CallKind } from '../kernel/watch.js';
import { NO_MARKS, type CallMarks } from './marks.js';
import { describeThrown } from '../core/thrown.js';
import { jsonText, shortJson } from '../core/short-json.js';

export interface CheckResult extends CheckVerdict {
  readonly name: string;
}

export interface CheckInput {
  readonly protocol: AnyProtocol;
  readonly history: History;
  readonly ops: readonly Operation[];
  readonly nodes: readonly NodeView<unknown>[];
  readonly findings: readonly Finding[];
  readonly model: ModelName;
  readonly healed: boolean;
  /** Ops invoked at or after this time are the final reads. */
  readonly finalReadFromUs: number;
  /** The client name of a history process (`c3`), so details name clients as reports do. */
  readonly clientOf?: (process: number) => string;
  /** Search steps a check may take (checkSearchSteps of the run's event budget); default: the default budget's. */
  readonly searchSteps?: number;
  /** Marks protocol calls (view()) and progress for a watchdog. */
  readonly marks?: CallMarks;
}

export type GenericCheck = (input: CheckInput) => CheckVerdict;

/** The consistency models a scenario can name as checks of a transactional history. */
export const ISOLATION_CHECKS: readonly ConsistencyModel[] = ['read-committed', 'snapshot-isolation', 'serializable', 'strict-serializable'];

/** Checks any protocol can be judged by. More (linearizability) register themselves here. */
export const genericChecks = new Map<string, { description: string; run: GenericCheck }>([
  [
    'durable',
    {
      description: 'no acknowledged write is lost (final reads after heal)',
      run: (i) => (i.model === 'list-append' || i.model === 'rw-register' ? checkTxnDurable(i.ops, i.model, i.finalReadFromUs) : checkDurable(i.ops, i.finalReadFromUs, i.clientOf)),
    },
  ],
  [
    'converged',
    {
      description: 'all up nodes hold equal state after heal and quiescence',
      run: (i) => {
        const view = i.protocol.view;
        if (view === undefined) return { verdict: 'unknown', detail: `protocol ${i.protocol.name} exposes no view` };
        const marks = i.marks ?? NO_MARKS;
        const views: Array<{ node: string; view: unknown }> = [];
        for (const [index, n] of i.nodes.entries()) {
          if (n.status !== 'up' || n.state === undefined) continue;
          try {
            views.push({ node: n.id, view: marks.call(CallKind.view, index, undefined, () => view.call(i.protocol, n.state)) });
          } catch (error) {
            // view() is the protocol's code: when it throws, the protocol failed the check.
            return { verdict: 'fail', detail: `view() of ${n.id} threw: ${describeThrown(error).text}` };
          }
        }
        return checkConverged(views, i.healed);
      },
    },
  ],
  ['linearizable', { description: 'the client history is linearizable for the workload model', run: (i) => linearizable(i) }],
  ['liveness', { description: 'after heal, the final reads complete ok', run: (i) => checkLiveness(i.ops, i.finalReadFromUs, i.healed, i.clientOf) }],
  [
    'exactly-once',
    {
      description: 'counter: each final read counts every acknowledged add once and no add twice (resent or duplicated commands included)',
      run: (i) => exactlyOnce(i),
    },
  ],
  [
    'invariants',
    {
      description: 'every protocol invariant held after every step',
      run: (i) => {
        const count = i.protocol.invariants?.length ?? 0;
        const broken = i.findings.filter((f) => f.kind === 'invariant');
        if (broken.length === 0) return { verdict: 'pass', detail: count === 0 ? 'the protocol declares no invariants' : `${plural(count, 'invariant')} held after every step` };
        return {
          verdict: 'fail',
          detail: broken.map((f) => `${f.name}: ${f.message} (at ${f.timeUs}µs, event ${f.eventIndex})`).join('; '),
          evidence: broken,
        };
      },
    },
  ],
]);

// Isolation: one check per consistency model, judging a transactional history with the isolation
// checker (the history shows no anomaly the model forbids).
for (const consistency of ISOLATION_CHECKS) {
  genericChecks.set(consistency, { description: `the transactional history shows no anomaly ${consistency} forbids (isolation checker)`, run: (i) => isolation(i, consistency) });
}

/**
 * Exactly-once through increments: a register write applied twice is invisible unless another
 * write came between, a counter add applied twice is not. The final reads' counts must lie between
 * the acknowledged adds and the acknowledged plus indeterminate ones.
 */
function exactlyOnce(input: CheckInput): CheckVerdict {
  if (input.model !== 'counter') return { verdict: 'unknown', detail: `exactly-once is judged through a counter's adds, not the ${input.model} model` };
  if (input.finalReadFromUs === Infinity) return { verdict: 'unknown', detail: 'exactly-once is judged from the final reads after a heal phase, and this scenario has none' };
  const finals: number[] = [];
  for (const op of input.ops) if (op.f === 'read' && op.outcome === 'ok' && (op.invokeTimeUs ?? 0) >= input.finalReadFromUs && typeof op.output === 'number') finals.push(op.output);
  if (finals.length === 0) return { verdict: 'unknown', detail: 'no final read of the counter completed ok' };
  const verdict = checkCounterBounds(input.history, finals);
  if (verdict.verdict !== 'fail') return verdict;
  const above = finals.some((v) => v > (verdict.evidence as { upper: number }).upper);
  return { ...verdict, detail: `${verdict.detail}: ${above ? 'an add took effect twice (a resent or duplicated command counted again)' : 'an acknowledged add was lost'}` };
}

/** Which checker model judges each workload model's history. */
const LINEARIZABILITY_MODEL: Readonly<Record<ModelName, string | undefined>> = {
  kv: 'kv',
  register: 'cas-register',
  counter: 'counter',
  set: 'set',
  broadcast: undefined,
  'list-append': undefined,
  'rw-register': undefined,
};

/**
 * Search steps a check may take per event of the run's event budget: the budget that bounds the
 * simulation bounds the check phase too (a lower `limits.events` gives the search less). With the
 * default budget, 200,000,000 steps: deterministic, about a minute at worst.
 */
export const CHECK_STEPS_PER_EVENT = 10;

/** The search budget of a run's checks, from its event budget (`limits.events`). */
export function checkSearchSteps(eventBudget: number | undefined): number {
  return CHECK_STEPS_PER_EVENT * (eventBudget ?? DEFAULT_LIMITS.maxEvents);
}

function linearizable(input: CheckInput): CheckVerdict {
  const modelName = LINEARIZABILITY_MODEL[input.model];
  const model = modelName === undefined ? undefined : getModel(modelName);
  if (model === undefined) return { verdict: 'unknown', detail: `no linearizability model for the ${input.model} workload` };
  const marks = input.marks ?? NO_MARKS;
  // The search is long but dsim's own: it reports progress between slices, so it is never a hang.
  const maxSteps = input.searchSteps ?? checkSearchSteps(undefined);
  const result = checkLinearizability(input.ops, model, { maxSteps, shouldStop: () => (marks.beat(), false) });
  const stats = result.stats;
  switch (result.kind) {
    case 'linearizable':
      return { verdict: 'pass', detail: `${plural(stats.searched, 'op')} in ${plural(stats.partitions, model.partition === partitionByKey ? 'key partition' : 'partition')} linearizable (${model.name} model)` };
    case 'unknown':
      return { verdict: 'unknown', detail: `undecided: ${result.reason} (the check's budget: ${maxSteps.toLocaleString('en-US')} search steps, ${CHECK_STEPS_PER_EVENT} per event of limits.events)` };
    case 'not-linearizable': {
      // Each violation with its explanation: the states along the prefix, what the stuck ops need.
      const evidence = result.evidence.map((e) => ({ ...e, explanation: explainEvidence(e, model) }));
      const first = evidence[0]!;
      const last = first.longestPrefix[first.longestPrefix.length - 1];
      const stuck = first.explanation.stuck.slice(0, 3).map((s) => `${describeOperation(s.op)} (${whyStuck(s, first.explanation, (op) => describeOperation(op))})`).join('; ');
      return {
        verdict: 'fail',
        detail: `${first.key !== undefined ? `key ${first.key}: ` : ''}after ${first.longestPrefix.length} linearizable ops${last ? ` (last: ${describeOperation(last)})` : ''}, none of the next ops fits: ${stuck || describeOperation(first.blockedBy!)}`,
        evidence,
      };
    }
  }
}

/** One isolation check per run and consistency model, however many checks ask (keyed by the run's ops). */
const isolationCache = new WeakMap<readonly Operation[], Map<ConsistencyModel, IsolationResult>>();

export function isolationResultOf(ops: readonly Operation[], model: 'list-append' | 'rw-register', consistency: ConsistencyModel): IsolationResult {
  let byModel = isolationCache.get(ops);
  if (byModel === undefined) isolationCache.set(ops, (byModel = new Map()));
  let result = byModel.get(consistency);
  if (result === undefined) byModel.set(consistency, (result = checkIsolation(ops, { model, consistency })));
  return result;
}

function isolation(input: CheckInput, consistency: ConsistencyModel): CheckVerdict {
  if (input.model !== 'list-append' && input.model !== 'rw-register') return { verdict: 'unknown', detail: `${consistency} judges transactional histories (list-append, rw-register), not ${input.model}` };
  const result = isolationResultOf(input.ops, input.model, consistency);
  const s = result.stats;
  const counts = result.anomalyTypes.map((t) => `${t} ×${result.counts[t]}`).join(', ');
  if (result.valid) {
    const allowed = result.anomalyTypes.length === 0 ? 'no anomalies' : `only anomalies ${consistency} allows (${counts})`;
    return { verdict: 'pass', detail: `${s.txns} txns (${s.ok} ok, ${s.fail} fail, ${s.info} info): ${allowed}`, evidence: result };
  }
  const first = result.anomalies.find((a) => forbids(consistency, a.type));
  return {
    verdict: 'fail',
    detail: `${counts} in ${s.txns} txns (weakest model violated: ${result.weakestViolated})${first !== undefined ? `; e.g. ${describeAnomaly(first)}` : ''}`,
    evidence: result,
  };
}


/** Always judged: the protocol did not throw, flood or exceed its budget. */
export function checkHealth(findings: readonly Finding[]): CheckResult {
  const fatal = findings.filter((f) => f.kind !== 'invariant');
  if (fatal.length === 0) return { name: 'health', verdict: 'pass', detail: 'no handler threw; no budget or bound exceeded' };
  const f = fatal[0]!;
  return {
    name: 'health',
    // A wall-clock limit says how fast the machine was, not what the protocol did: undecided.
    verdict: fatal.every((x) => x.kind === 'wall-limit') ? 'unknown' : 'fail',
    detail: `${f.kind}${f.node ? ` on ${f.node}` : ''} at ${f.timeUs}µs (event ${f.eventIndex}${f.event ? `, ${f.event}` : ''}, seed ${f.seed}): ${f.message}`,
    evidence: fatal,
  };
}

/** Names a scenario may use with this protocol. */
export function knownCheckNames(protocol: AnyProtocol): string[] {
  return [
    ...genericChecks.keys(),
    'health',
    ...(protocol.invariants ?? []).map((inv) => inv.name),
    ...(protocol.checks ?? []).map((c) => c.name),
  ];
}

export function runCheck(name: string, input: CheckInput): CheckResult {
  if (name === 'health') return checkHealth(input.findings);
  const generic = genericChecks.get(name);
  try {
    if (generic !== undefined) return { name, ...generic.run(input) };
    const invariant = input.protocol.invariants?.find((inv) => inv.name === name);
    if (invariant !== undefined) {
      const broken = input.findings.find((f) => f.kind === 'invariant' && f.name === name);
      return broken === undefined
        ? { name, verdict: 'pass', detail: 'held after every step' }
        : { name, verdict: 'fail', detail: `${broken.message} (at ${broken.timeUs}µs, event ${broken.eventIndex})`, evidence: broken };
    }
    const own = input.protocol.checks?.find((c) => c.name === name);
    if (own !== undefined) {
      const settled = input.healed && Number.isFinite(input.finalReadFromUs) ? { settledFromUs: input.finalReadFromUs } : {};
      // The protocol's own code: a check that throws or answers nonsense is the protocol's bug.
      try {
        return { name, ...verdictOf(own.check({ nodes: input.nodes, history: input.history, healed: input.healed, ...settled })) };
      } catch (error) {
        return { name, verdict: 'fail', detail: `the check itself threw (a bug in the protocol's check): ${describeThrown(error).text}` };
      }
    }
  } catch (error) {
    return { name, verdict: 'unknown', detail: `the check itself failed: ${describeThrown(error).text}` };
  }
  return { name, verdict: 'unknown', detail: `no check named ${name}` };
}

/** A protocol check's answer, or a failure saying it gave none. */
function verdictOf(answer: unknown): CheckVerdict {
  const a = answer as Partial<CheckVerdict> | undefined;
  if (typeof a === 'object' && a !== null && (a.verdict === 'pass' || a.verdict === 'fail' || a.verdict === 'unknown')) {
    return { verdict: a.verdict, detail: typeof a.detail === 'string' ? a.detail : String(jsonText(a.detail)), ...(a.evidence !== undefined ? { evidence: a.evidence } : {}) };
  }
  return { verdict: 'fail', detail: `the check returned ${shortJson(answer, 60)}, not { verdict: pass | fail | unknown, detail } (a bug in the protocol's check)` };
}

/** Pairs the history once for all checks; a malformed history is a dsim bug, so it throws. */
export function operationsOf(history: History): Operation[] {
  return pairOperations(history);
}
