/**
 * Where a state holds what exploration cannot hash faithfully, in words: the node, the part of the
 * state and the path inside it (`node n1's state.pending[2].resolve is a function`). Only called
 * once the fingerprint met such a value (fingerprint.ts); the hash itself only says that it did.
 */
import { PLAIN_DATA_MAX_DEPTH } from '../core/clone.js';
import { EventKind } from '../kernel/queue.js';
import type { ChoiceWorld } from '../runner/choices.js';

/** What exploration hashes, for the error message (the words are checked by a test). */
export const PLAIN_DATA_SUPPORTED =
  'dsim explore needs plain data in node state, durable state, messages and replies: objects without a class, arrays, strings, numbers, booleans, bigints, null, undefined, Map and Set, without cycles';

/** `node n1's state.x[2] is a function; dsim explore needs ...`, or undefined when every part is plain data. */
export function notPlainData(world: ChoiceWorld): string | undefined {
  const sim = world.sim;
  const parts: Array<[string, unknown]> = [];
  world.nodeIds.forEach((id, i) => {
    parts.push([`node ${id}'s state`, sim.nodes[i]!.state]);
    parts.push([`node ${id}'s durable state`, sim.durableOf(id)]);
  });
  for (const ev of sim.choosable()) if (ev.kind !== EventKind.Timer && ev.kind !== EventKind.Call) parts.push([`message ${world.describe(ev)}: payload`, ev.payload]);
  world.clients.history.forEach((e, i) => parts.push([`history event ${i + 1} (${e.type} ${e.f}${e.key !== undefined ? ` ${e.key}` : ''}): value`, e.value]));
  for (const [where, value] of parts) {
    const found = explain(value, where);
    if (found !== undefined) return `${found}; ${PLAIN_DATA_SUPPORTED}`;
  }
  return undefined;
}

/** `WHERE.path is ...` for the first value inside `value` that is not plain data. */
export function explain(value: unknown, where: string): string | undefined {
  const onPath = new Map<object, string>();
  const walk = (v: unknown, path: string, depth: number): string | undefined => {
    switch (typeof v) {
      case 'function':
        return `${path} is a function`;
      case 'symbol':
        return `${path} is a symbol (${String(v.description ?? '')})`;
      case 'object':
        break;
      default:
        return undefined;
    }
    if (v === null) return undefined;
    const ancestor = onPath.get(v);
    if (ancestor !== undefined) return `${path} is ${ancestor} again (a cycle)`;
    if (depth > PLAIN_DATA_MAX_DEPTH) return `${path} is nested deeper than ${PLAIN_DATA_MAX_DEPTH} levels`;
    if (!Array.isArray(v) && !(v instanceof Map) && !(v instanceof Set)) {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return `${path} is ${className(proto)}`;
    }
    onPath.set(v, path);
    const children: Array<[string, unknown]> = [];
    if (Array.isArray(v)) v.forEach((x, i) => children.push([`${path}[${i}]`, x]));
    else if (v instanceof Map) [...v].forEach(([k, x], i) => children.push([`${path}.keys()[${i}]`, k], [typeof k === 'string' || typeof k === 'number' ? `${path}.get(${JSON.stringify(k)})` : `${path}.get(keys()[${i}])`, x]));
    else if (v instanceof Set) [...v].forEach((x, i) => children.push([`${path}.values()[${i}]`, x]));
    else for (const key of Object.keys(v)) children.push([`${path}${/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`}`, (v as Record<string, unknown>)[key]]);
    for (const [childPath, child] of children) {
      const found = walk(child, childPath, depth + 1);
      if (found !== undefined) return found;
    }
    onPath.delete(v);
    return undefined;
  };
  return walk(value, where, 0);
}

/** `a Date`, `an instance of class Log`: what a class instance is, for the message. */
function className(proto: unknown): string {
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== 'string' || name === '') return 'an object with a prototype of its own (not plain data)';
  const builtIn = ['Date', 'RegExp', 'Promise', 'WeakMap', 'WeakSet', 'Error', 'ArrayBuffer', 'DataView'].includes(name) || /Array$/.test(name);
  return builtIn ? `a ${name} (not plain data)` : `an instance of class ${name} (not plain data: it would hash by its fields alone, and lose its methods when persisted)`;
}
