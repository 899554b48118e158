/** The transactional isolation checker (Elle-style): list-append and rw-register histories. */
export { checkIsolation, classify, describeAnomaly, txnRef, TXN_MODELS } from './check.js';
export type { Anomaly, CycleStep, IsolationOptions, IsolationResult, IsolationStats, TxnModel, TxnRef } from './check.js';
export { TxnInputError } from './analysis.js';
export { CONSISTENCY_MODELS, isConsistencyModel, meaningOf, weakestViolatedBy, forbids } from './models.js';
export type { AnomalyType, ConsistencyModel } from './models.js';
export { formatMop, formatMops, formatValue, parseMops, txnsOf } from './txn.js';
export type { MicroOp, Txn } from './txn.js';
export { checkTxnDurable } from './durable.js';
