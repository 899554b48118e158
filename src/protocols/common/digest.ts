/**
 * 32-bit FNV-style digests the consensus protocols use to compare values and log prefixes cheaply
 * in their invariants (equal digests stand for equal content; a collision could only hide a bug).
 */
import type { KvCommand } from './kv-machine.js';

export function mixHash(h: number, value: number): number {
  let x = (h ^ (value & 0xffff)) >>> 0;
  x = Math.imul(x, 0x01000193) >>> 0;
  x = (x ^ (value >>> 16)) >>> 0;
  return Math.imul(x, 0x01000193) >>> 0;
}

export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export function commandHash(command: KvCommand): number {
  const op = command.op;
  return hashText(`${command.client}|${command.seq}|${op.f}|${op.key ?? ''}|${JSON.stringify(op.value)}`);
}

export const NOOP_HASH = hashText('noop');
