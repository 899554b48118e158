/**
 * What a configuration is judged by. One function for `dsim run` (a scenario without `checks:`)
 * and `dsim fuzz` (every run), so the same configuration is judged the same way by both.
 */
import type { ProtocolDefinition, Promises } from './protocol.js';

export interface PromiseRequest {
  /** Parsed options (as `parseOptions` returned them). */
  readonly options: unknown;
  readonly model: string;
  readonly nodes: number;
  readonly healed: boolean;
  /** The operator commands the run issues, each name once. */
  readonly commands: readonly string[];
}

/** The protocol's promises for this configuration, or the generic ones when it declares none. */
export function promisesOf(definition: Pick<ProtocolDefinition, 'promises'>, request: PromiseRequest): Promises {
  if (definition.promises !== undefined) return definition.promises(request);
  return { checks: genericPromises(request.model, request.healed) };
}

/**
 * For a protocol that declares nothing: its invariants, linearizability and durability where the
 * model has a single-copy meaning (kv, register), strict serializability and durability for the
 * transactional models, and convergence (not for those) and liveness once faults heal.
 */
export function genericPromises(model: string, healed: boolean): string[] {
  const checks = ['invariants'];
  // Transactional models: the isolation checker, and durability of acknowledged commits. (A store
  // serving them may shard its data, so node views are not expected to be equal.)
  if (model === 'list-append' || model === 'rw-register') return [...checks, 'strict-serializable', ...(healed ? ['durable', 'liveness'] : [])];
  const singleCopy = model === 'kv' || model === 'register';
  if (singleCopy) checks.push('linearizable');
  // Durability is judged from the final reads, which only a heal phase has.
  if (healed) checks.push(...(singleCopy ? ['durable'] : []), 'converged', 'liveness');
  return checks;
}
