export * from './fingerprint.js';
export * from './search.js';
