/**
 * The check registry: names a scenario can list in `checks`, resolved against the generic checks,
 * the protocol's invariants and the protocol's own checks.
 */
import { pairOperations, type History, type Operation } from '../core/history.js';
import type { AnyProtocol, CheckVerdict, NodeView } from '../core/protocol.js';
import { checkConverged, checkDurable, checkLiveness } from '../checkers/generic.js';
import { checkLinearizability, describeOperation, getModel, partitionByKey } from '../checkers/linearizability/index.js';
import { plural } from '../core/plural.js';
import type { Finding } from '../kernel/findings.js';
import type { ModelName } from '../workload/generators.js';

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
}

export type GenericCheck = (input: CheckInput) => CheckVerdict;

/** Checks any protocol can be judged by. More (linearizability) register themselves here. */
export const genericChecks = new Map<string, { description: string; run: GenericCheck }>([
  ['durable', { description: 'no acknowledged write is lost (final reads after heal)', run: (i) => checkDurable(i.ops, i.finalReadFromUs) }],
  [
    'converged',
    {
      description: 'all up nodes hold equal state after heal and quiescence',
      run: (i) => {
        const view = i.protocol.view;
        if (view === undefined) return { verdict: 'unknown', detail: `protocol ${i.protocol.name} exposes no view` };
        const views = i.nodes.filter((n) => n.status === 'up' && n.state !== undefined).map((n) => ({ node: n.id, view: view(n.state) }));
        return checkConverged(views, i.healed);
      },
    },
  ],
  ['linearizable', { description: 'the client history is linearizable for the workload model', run: (i) => linearizable(i) }],
  ['liveness', { description: 'after heal, the final reads complete ok', run: (i) => checkLiveness(i.ops, i.finalReadFromUs, i.healed) }],
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

/** Which checker model judges each workload model's history. */
const LINEARIZABILITY_MODEL: Readonly<Record<ModelName, string | undefined>> = {
  kv: 'kv',
  register: 'cas-register',
  counter: 'counter',
  set: 'set',
  broadcast: undefined,
};

/** Search steps before the check gives up as unknown: deterministic, about a minute at worst. */
const LINEARIZABILITY_MAX_STEPS = 200_000_000;

function linearizable(input: CheckInput): CheckVerdict {
  const modelName = LINEARIZABILITY_MODEL[input.model];
  const model = modelName === undefined ? undefined : getModel(modelName);
  if (model === undefined) return { verdict: 'unknown', detail: `no linearizability model for the ${input.model} workload` };
  const result = checkLinearizability(input.ops, model, { maxSteps: LINEARIZABILITY_MAX_STEPS });
  const stats = result.stats;
  switch (result.kind) {
    case 'linearizable':
      return { verdict: 'pass', detail: `${plural(stats.searched, 'op')} in ${plural(stats.partitions, model.partition === partitionByKey ? 'key partition' : 'partition')} linearizable (${model.name} model)` };
    case 'unknown':
      return { verdict: 'unknown', detail: `undecided: ${result.reason}` };
    case 'not-linearizable': {
      const first = result.evidence[0]!;
      const last = first.longestPrefix[first.longestPrefix.length - 1];
      const stuck = first.cannotPlace.slice(0, 3).map((s) => describeOperation(s.op)).join('; ');
      return {
        verdict: 'fail',
        detail: `${first.key !== undefined ? `key ${first.key}: ` : ''}after ${first.longestPrefix.length} linearizable ops${last ? ` (last: ${describeOperation(last)})` : ''}, none of the next ops fits: ${stuck || describeOperation(first.blockedBy!)}`,
        evidence: result.evidence,
      };
    }
  }
}

/** Always judged: the protocol did not throw, flood or exceed its budget. */
export function checkHealth(findings: readonly Finding[]): CheckResult {
  const fatal = findings.filter((f) => f.kind !== 'invariant');
  if (fatal.length === 0) return { name: 'health', verdict: 'pass', detail: 'no handler threw; no budget or bound exceeded' };
  const f = fatal[0]!;
  return {
    name: 'health',
    verdict: 'fail',
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
    if (own !== undefined) return { name, ...own.check({ nodes: input.nodes, history: input.history, healed: input.healed }) };
  } catch (error) {
    return { name, verdict: 'unknown', detail: `the check itself failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { name, verdict: 'unknown', detail: `no check named ${name}` };
}

/** Pairs the history once for all checks; a malformed history is a dsim bug, so it throws. */
export function operationsOf(history: History): Operation[] {
  return pairOperations(history);
}
