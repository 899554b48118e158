/**
 * Built-in models and their registry. Users check against their own model by passing any object
 * implementing `Model` to `checkLinearizability`; the registry only names the built-ins for the CLI.
 */
import { createCasRegisterModel, createRegisterModel } from './register.js';
import { createKvModel } from './kv.js';
import { createCounterModel } from './counter.js';
import { createSetModel } from './set.js';
import type { AnyModel } from './model.js';

export * from './model.js';
export { createRegisterModel, createCasRegisterModel } from './register.js';
export type { RegisterOptions } from './register.js';
export { createKvModel, createKvKeyModel, partitionByKey, NEVER_WRITTEN } from './kv.js';
export type { KvOptions, KvState, KvKeyState } from './kv.js';
export { createCounterModel } from './counter.js';
export type { CounterOptions } from './counter.js';
export { createSetModel, canonicalJson } from './set.js';
export type { SetState } from './set.js';

export const models: Readonly<Record<string, AnyModel>> = Object.freeze({
  register: createRegisterModel(),
  'cas-register': createCasRegisterModel(),
  kv: createKvModel(),
  counter: createCounterModel(),
  set: createSetModel(),
});

/** The built-in model of that name, or undefined. */
export function getModel(name: string): AnyModel | undefined {
  return Object.prototype.hasOwnProperty.call(models, name) ? models[name] : undefined;
}

/** Built-in model names, sorted (for help and error messages). */
export function modelNames(): string[] {
  return Object.keys(models).sort();
}
