/**
 * Built-in models and their registry. Users check against their own model by passing any object
 * implementing `Model` to `checkLinearizability`; the registry only names the built-ins for the
 * CLI and says which options each takes.
 */
import { createCasRegisterModel, createRegisterModel } from './register.js';
import { createKvModel } from './kv.js';
import { createCounterModel } from './counter.js';
import { createSetModel } from './set.js';
import { createMutexModel } from './mutex.js';
import { createMultiRegisterModel, multiRegisterInitialProblem } from './multi-register.js';
import { createFifoQueueModel, createUnorderedQueueModel } from './queue.js';
import { createUniqueIdsModel } from './unique-ids.js';
import { showValue } from './model.js';
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
export { createMutexModel } from './mutex.js';
export { createMultiRegisterModel } from './multi-register.js';
export type { MultiRegisterOptions, MultiRegisterState } from './multi-register.js';
export { createFifoQueueModel, createUnorderedQueueModel } from './queue.js';
export type { FifoState, MultisetState } from './queue.js';
export { createUniqueIdsModel } from './unique-ids.js';
export type { UniqueIdsState } from './unique-ids.js';

/** Options a built-in model may take (each model says which it accepts). */
export interface ModelOptions {
  /** The value before any write: register, cas-register, kv, counter, multi-register (a map). */
  readonly initial?: unknown;
  /** A read that returned nil constrains nothing (Knossos's registers): register, cas-register, kv. */
  readonly nilReadsUnknown?: boolean;
}

export type ModelOptionName = keyof ModelOptions;

export interface ModelEntry {
  readonly name: string;
  readonly description: string;
  /** The options this model takes; others are refused. */
  readonly options: readonly ModelOptionName[];
  /** Why `options` do not suit this model, or undefined. */
  readonly problem?: (options: ModelOptions) => string | undefined;
  readonly create: (options: ModelOptions) => AnyModel;
  /** Judges one object, so histories over several keys are checked per key (see independent.ts). */
  readonly singleObject: boolean;
}

const numberInitial = (options: ModelOptions): string | undefined =>
  options.initial === undefined || (typeof options.initial === 'number' && Number.isFinite(options.initial))
    ? undefined
    : `the counter model's initial value is a number; got ${showValue(options.initial)}`;

const entries: readonly ModelEntry[] = [
  { name: 'register', description: 'single register: read, write', options: ['initial', 'nilReadsUnknown'], create: createRegisterModel, singleObject: true },
  { name: 'cas-register', description: 'single register: read, write, cas [expected new]', options: ['initial', 'nilReadsUnknown'], create: createCasRegisterModel, singleObject: true },
  { name: 'kv', description: 'key-value store, per key: read/write/cas or get/put/append', options: ['initial', 'nilReadsUnknown'], create: createKvModel, singleObject: false },
  {
    name: 'counter',
    description: 'counter: add (amount), read',
    options: ['initial'],
    problem: numberInitial,
    create: (o) => createCounterModel(o.initial === undefined ? {} : { initial: o.initial as number }),
    singleObject: true,
  },
  { name: 'set', description: 'grow-only set: add (element), read (collection)', options: [], create: () => createSetModel(), singleObject: true },
  { name: 'mutex', description: 'a lock: acquire, release (Knossos mutex)', options: [], create: () => createMutexModel(), singleObject: true },
  {
    name: 'multi-register',
    description: 'registers in transactions: txn [[:read k v] [:write k v]] (Knossos multi-register)',
    options: ['initial'],
    problem: (o) => multiRegisterInitialProblem(o.initial),
    create: (o) => createMultiRegisterModel({ initial: o.initial }),
    singleObject: false,
  },
  { name: 'fifo-queue', description: 'FIFO queue: enqueue, dequeue', options: [], create: () => createFifoQueueModel(), singleObject: true },
  { name: 'queue', description: 'the same as fifo-queue', options: [], create: () => createFifoQueueModel('queue'), singleObject: true },
  { name: 'unordered-queue', description: 'unordered queue: enqueue, dequeue (any pending element)', options: [], create: () => createUnorderedQueueModel(), singleObject: true },
  { name: 'unique-ids', description: 'unique ids: generate (an id never returned before)', options: [], create: () => createUniqueIdsModel(), singleObject: true },
];

const registry = new Map(entries.map((e) => [e.name, e]));

/** The registry entry of a built-in model, or undefined. */
export function modelEntry(name: string): ModelEntry | undefined {
  return registry.get(name);
}

const OPTION_FLAGS: Readonly<Record<ModelOptionName, string>> = { initial: '--initial', nilReadsUnknown: '--nil-reads-unknown' };

/**
 * A built-in model with options, or a message saying why not (unknown name, an option the model
 * does not take, a value that does not suit it).
 */
export function createModel(name: string, options: ModelOptions = {}): { readonly model: AnyModel } | { readonly problem: string } {
  const entry = registry.get(name);
  if (entry === undefined) return { problem: `unknown model ${JSON.stringify(name)} (known: ${modelNames().join(', ')})` };
  for (const option of Object.keys(options) as ModelOptionName[]) {
    if (options[option] === undefined || options[option] === false) continue;
    if (!entry.options.includes(option)) {
      const takers = entries.filter((e) => e.options.includes(option)).map((e) => e.name);
      return { problem: `${OPTION_FLAGS[option]} does not apply to the ${name} model (it applies to ${takers.join(', ')})` };
    }
  }
  const problem = entry.problem?.(options);
  return problem === undefined ? { model: entry.create(options) } : { problem };
}

/** The built-ins with default options, by name. */
export const models: Readonly<Record<string, AnyModel>> = Object.freeze(Object.fromEntries(entries.map((e) => [e.name, e.create({})])));

/** The built-in model of that name with default options, or undefined. */
export function getModel(name: string): AnyModel | undefined {
  return Object.prototype.hasOwnProperty.call(models, name) ? models[name] : undefined;
}

/** Built-in model names, sorted (for help and error messages). */
export function modelNames(): string[] {
  return entries.map((e) => e.name).sort();
}
