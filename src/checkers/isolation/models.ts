/**
 * Consistency models, weakest first, and which anomalies rule each out (Adya's generalized
 * isolation levels, with Elle's names for the anomalies it adds). A history that shows an anomaly
 * violates the weakest model that forbids it and every stronger one.
 *
 * The order is a chain as dsim uses it: read uncommitted (PL-1) < read committed (PL-2) <
 * snapshot isolation < serializable (PL-3) < strong session serializable < strict serializable.
 * (Adya's PL-SI also forbids start-order anomalies serializability does not; this checker does not
 * look for those, so for the anomalies it finds the chain holds.)
 */

export const CONSISTENCY_MODELS = [
  'read-uncommitted',
  'read-committed',
  'snapshot-isolation',
  'serializable',
  'strong-session-serializable',
  'strict-serializable',
] as const;

export type ConsistencyModel = (typeof CONSISTENCY_MODELS)[number];

export function isConsistencyModel(name: string): name is ConsistencyModel {
  return (CONSISTENCY_MODELS as readonly string[]).includes(name);
}

/** Cycle anomalies by the dependencies they are made of. */
export const CYCLE_ANOMALIES = ['G0', 'G1c', 'G-single', 'G-nonadjacent', 'G2-item'] as const;
export type CycleClass = (typeof CYCLE_ANOMALIES)[number];
/** A cycle that needs process order (`-process`) or real-time order (`-realtime`) to close. */
export type CycleVariant = '' | '-process' | '-realtime';
export type CycleAnomalyType = `${CycleClass}${CycleVariant}`;

/** Anomalies found without a cycle, key by key. */
export const DATA_ANOMALIES = ['G1a', 'G1b', 'lost-update', 'internal', 'duplicate-elements', 'incompatible-order', 'garbage-read'] as const;
export type DataAnomalyType = (typeof DATA_ANOMALIES)[number];

export type AnomalyType = CycleAnomalyType | DataAnomalyType;

/** The weakest model each plain anomaly violates. */
const WEAKEST: Readonly<Record<CycleClass | DataAnomalyType, ConsistencyModel>> = {
  // A write cycle: even read uncommitted orders writes.
  G0: 'read-uncommitted',
  // No isolation level explains a value nobody wrote, a txn that misreads its own writes, or an
  // element appended twice.
  'garbage-read': 'read-uncommitted',
  internal: 'read-uncommitted',
  'duplicate-elements': 'read-uncommitted',
  // Dirty reads and circular information flow.
  G1a: 'read-committed',
  G1b: 'read-committed',
  G1c: 'read-committed',
  // Two reads that no single order of appends explains: one of them saw a write that was later undone.
  'incompatible-order': 'read-committed',
  // Read skew and lost updates: a snapshot would have prevented them.
  'G-single': 'snapshot-isolation',
  'G-nonadjacent': 'snapshot-isolation',
  'lost-update': 'snapshot-isolation',
  // Write skew and other anti-dependency cycles: allowed by snapshot isolation.
  'G2-item': 'serializable',
};

/** The weakest of the named models a history with this anomaly violates. */
export function weakestViolatedBy(type: AnomalyType): ConsistencyModel {
  if (type.endsWith('-realtime')) return 'strict-serializable';
  if (type.endsWith('-process')) return 'strong-session-serializable';
  return WEAKEST[type as CycleClass | DataAnomalyType];
}

export function modelRank(model: ConsistencyModel): number {
  return CONSISTENCY_MODELS.indexOf(model);
}

/** Whether `model` forbids anomalies of this type. */
export function forbids(model: ConsistencyModel, type: AnomalyType): boolean {
  return modelRank(weakestViolatedBy(type)) <= modelRank(model);
}

/** Whether checking `model` needs process order, real-time order, or neither. */
export function orderEdgesFor(model: ConsistencyModel): { readonly process: boolean; readonly realtime: boolean } {
  return { process: modelRank(model) >= modelRank('strong-session-serializable'), realtime: model === 'strict-serializable' };
}

/** One line for humans: what each anomaly means. */
export const ANOMALY_MEANING: Readonly<Record<CycleClass | DataAnomalyType, string>> = {
  G0: 'write cycle: transactions overwrote each other in a cycle',
  G1a: 'aborted read: a committed transaction saw a write of a transaction that aborted',
  G1b: 'intermediate read: a transaction saw a value its writer later overwrote in the same transaction',
  G1c: 'circular information flow: a cycle of write and read dependencies',
  'G-single': 'read skew: a dependency cycle with exactly one anti-dependency',
  'G-nonadjacent': 'a cycle whose anti-dependencies are never adjacent: snapshot isolation forbids it',
  'G2-item': 'write skew: a dependency cycle with two or more anti-dependencies',
  'lost-update': 'lost update: two committed transactions read the same version of a key and both wrote it',
  internal: 'internal inconsistency: a transaction did not see its own earlier reads and writes',
  'duplicate-elements': 'a read returned a list with an element twice, though each is appended once',
  'incompatible-order': 'two reads of a key disagree about the order of its elements',
  'garbage-read': 'a read returned a value no transaction wrote',
};

export function meaningOf(type: AnomalyType): string {
  const base = type.replace(/-(process|realtime)$/, '') as CycleClass | DataAnomalyType;
  const suffix = type.endsWith('-realtime') ? ' (closed by real-time order)' : type.endsWith('-process') ? ' (closed by process order)' : '';
  return `${ANOMALY_MEANING[base]}${suffix}`;
}
