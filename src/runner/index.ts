export * from './run.js';
export * from './checks.js';
export * from './faults.js';
export * from './assert-held.js';
export * from './choices.js';
export * from './validate.js';
export * from './marks.js';
