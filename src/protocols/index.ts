/** The built-in protocols, by scenario name. */
import type { ProtocolDefinition } from '../core/protocol.js';
import { definition as broadcast } from './broadcast/index.js';

export const builtinProtocols: readonly ProtocolDefinition[] = [broadcast as ProtocolDefinition];

export function protocolRegistry(extra: readonly ProtocolDefinition[] = []): Map<string, ProtocolDefinition> {
  const map = new Map<string, ProtocolDefinition>();
  for (const p of [...builtinProtocols, ...extra]) map.set(p.name, p);
  return map;
}
