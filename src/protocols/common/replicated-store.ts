/** What the convergence-family stores (leaderless, multi-leader) share in their definitions. */

export type StoreModel = 'kv' | 'counter' | 'set';

/** The options with `model` set to the workload's, when it is one this store serves. */
export function withWorkloadModel<O extends { readonly model: StoreModel }>(options: O, model: string | undefined): O {
  return model === 'kv' || model === 'counter' || model === 'set' ? { ...options, model } : options;
}

/** The check that no acknowledged update is lost, for a store's data model. */
export function storeModelCheck(model: string): string {
  switch (model) {
    case 'counter':
      return 'counter-bounds';
    case 'set':
      return 'set-complete';
    default:
      return 'lost-updates';
  }
}
