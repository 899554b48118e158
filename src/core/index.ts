export * from './ids.js';
export * from './ops.js';
export * from './protocol.js';
export * from './history.js';
export * from './time.js';
export * from './assert.js';
export * from './clone.js';
export * from './canonical.js';
