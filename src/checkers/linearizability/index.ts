/** Linearizability checking: the public surface (the lead re-exports it from src/index.ts). */
export { checkLinearizability } from './check.js';
export type { LinearizabilityOptions, LinearizabilityResult, PartitionEvidence, StuckOp, CheckStats } from './check.js';
export type { Model, AnyModel, ModelOp, StepResult } from '../models/model.js';
export {
  models,
  getModel,
  modelNames,
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
export type { RegisterOptions, KvOptions, KvState, CounterOptions, SetState } from '../models/index.js';
