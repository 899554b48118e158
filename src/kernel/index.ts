export * from './findings.js';
export * from './queue.js';
export * from './simulation.js';
export * from './watch.js';
