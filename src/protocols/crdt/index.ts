/** Conflict-free replicated data types: state-based merges, op-based variants deduplicated by dots. */
export * from './canonical.js';
export * from './causal-context.js';
export * from './g-counter.js';
export * from './pn-counter.js';
export * from './g-set.js';
export * from './or-set.js';
export * from './lww-register.js';
export * from './mv-register.js';
export * from './op-counter.js';
export * from './object.js';
