export * from './latency.js';
export * from './partitions.js';
export * from './network.js';
