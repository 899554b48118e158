export * from './hash.js';
export * from './events.js';
