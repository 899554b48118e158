/** Linearizability checking: the public surface (the lead re-exports it from src/index.ts). */
export { checkLinearizability, DEFAULT_MAX_MEMORY_BYTES } from './check.js';
export type { LinearizabilityOptions, LinearizabilityResult, PartitionEvidence, PartialEvidence, StuckOp, CheckStats } from './check.js';
export { applyKeys, perKey, isIndependent } from './independent.js';
export type { KeyShape } from './independent.js';
export { explainEvidence, whyStuck, MAX_EXPLAINED_STEPS, type LinearizabilityExplanation, type LinearizedStep, type StuckExplanation } from './explain.js';
export type { Model, AnyModel, ModelOp, StepResult } from '../models/model.js';
export {
  models,
  getModel,
  modelNames,
  modelEntry,
  createModel,
  createMutexModel,
  createMultiRegisterModel,
  createFifoQueueModel,
  createUnorderedQueueModel,
  createUniqueIdsModel,
  createRegisterModel,
  createCasRegisterModel,
  createKvModel,
  createCounterModel,
  createSetModel,
  partitionByKey,
  REJECT,
  hashValue,
  valueEqual,
  showValue,
  describeModelOp,
  describeOperation,
  toModelOp,
} from '../models/index.js';
export type { RegisterOptions, KvOptions, KvState, CounterOptions, SetState, ModelOptions, ModelEntry, MultiRegisterOptions } from '../models/index.js';
