/** Raft's state machine: the shared kv machine with client sessions (see common/kv-machine.ts). */
export { applyCommand, cachedResult, readValue } from '../common/kv-machine.js';
