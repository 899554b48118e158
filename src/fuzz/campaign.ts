/**
 * A campaign in this thread, one run after another: what `dsim fuzz` does with its workers, for
 * benchmarks, tests and library users. With feedback, runs are planned in batches from the corpus
 * exactly as the command plans them, so both give the same runs for the same campaign seed.
 */
import type { ProtocolDefinition } from '../core/protocol.js';
import { mutationLimits, type FuzzSetup } from './arbitraries.js';
import { BATCH_RUNS, Corpus, type RunPlan } from './corpus.js';
import { fuzzRun, type FuzzRunOutcome } from './engine.js';

export interface CampaignOptions {
  readonly campaignSeed: number;
  readonly runs: number;
  /** Coverage feedback (default true). */
  readonly feedback?: boolean;
  /** Most runs spent shrinking a failure (default 0: report the failing run as found). */
  readonly shrinkBudget?: number;
  readonly protocols?: ReadonlyMap<string, ProtocolDefinition>;
  /** A corpus to start from (and to grow); default: a new one. */
  readonly corpus?: Corpus;
  /** Called with each outcome in run order; return true to stop. */
  readonly onOutcome?: (outcome: FuzzRunOutcome, plan: RunPlan) => boolean | void;
}

export interface CampaignSummary {
  readonly runs: number;
  readonly mutants: number;
  readonly corpus: Corpus | undefined;
}

export function runCampaign(setup: FuzzSetup, options: CampaignOptions): CampaignSummary {
  const feedback = options.feedback ?? true;
  const corpus = feedback ? (options.corpus ?? new Corpus()) : undefined;
  const limits = mutationLimits(setup);
  let mutants = 0;
  let runs = 0;
  for (let start = 0; start < options.runs; start += BATCH_RUNS) {
    const indexes = Array.from({ length: Math.min(BATCH_RUNS, options.runs - start) }, (_, j) => start + j);
    const plans: RunPlan[] = corpus !== undefined ? corpus.planBatch(setup, options.campaignSeed, indexes, limits) : indexes.map(() => ({ kind: 'fresh' }));
    for (let j = 0; j < indexes.length; j++) {
      const plan = plans[j]!;
      if (plan.kind === 'mutant') mutants++;
      const outcome = fuzzRun(setup, options.campaignSeed, indexes[j]!, {
        shrinkBudget: options.shrinkBudget ?? 0,
        ...(options.protocols !== undefined ? { protocols: options.protocols } : {}),
        ...(corpus !== undefined ? { coverage: true } : {}),
        ...(plan.kind === 'mutant' ? { genome: plan.genome } : {}),
      });
      runs++;
      corpus?.consider(outcome);
      if (options.onOutcome?.(outcome, plan) === true) return { runs, mutants, corpus };
    }
  }
  return { runs, mutants, corpus };
}
