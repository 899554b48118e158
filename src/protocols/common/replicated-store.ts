/** What the convergence-family stores (leaderless, multi-leader) share in their definitions. */

export type StoreModel = 'kv' | 'counter' | 'set';

/** The options with `model` set to the workload's, when it is one this store serves. */
export function withWorkloadModel<O extends { readonly model: StoreModel }>(options: O, model: string | undefined): O {
  return model === 'kv' || model === 'counter' || model === 'set' ? { ...options, model } : options;
}

/**
 * What a scenario without `checks` is judged by: convergence-family checks, never linearizability.
 * `converged` names the store's convergence check (every node holds every key, or only N do).
 */
export function convergenceDefaultChecks(model: string, healed: boolean, converged: string): string[] {
  const byModel: Record<string, string> = { kv: 'lost-updates', counter: 'counter-bounds', set: 'set-complete' };
  return ['invariants', ...(byModel[model] !== undefined ? [byModel[model]!] : []), ...(healed ? [converged, 'liveness'] : [])];
}
