/** The built-in protocols, by scenario name. */
import type { ProtocolDefinition } from '../core/protocol.js';
import { definition as broadcast } from './broadcast/index.js';
import { definition as casPaxos } from './cas-paxos/index.js';
import { definition as coordination } from './coordination/index.js';
import { lockClientDefinition } from './coordination/lock-client.js';
import { storeDefinition } from './coordination/store.js';
import { redlockClientDefinition } from './coordination/redlock.js';
import { definition as masterSlave } from './master-slave/index.js';
import { definition as leaderless } from './leaderless/index.js';
import { definition as multiLeader } from './multi-leader/index.js';
import { definition as paxos } from './paxos/index.js';
import { definition as raft } from './raft/index.js';
import { definition as transactions } from './transactions/index.js';

export const builtinProtocols: readonly ProtocolDefinition[] = [
  broadcast as ProtocolDefinition,
  masterSlave as ProtocolDefinition,
  leaderless as ProtocolDefinition,
  multiLeader as ProtocolDefinition,
  raft as ProtocolDefinition,
  paxos as ProtocolDefinition,
  transactions as ProtocolDefinition,
  casPaxos as ProtocolDefinition,
  coordination as ProtocolDefinition,
];

/**
 * Protocols that run as groups of a multi-group scenario only (`groups:`): the lock clients and
 * the resource they write. The coordination service is a built-in (`dsim fuzz --protocol
 * coordination` runs it with them: its deployment); these are not fuzzed on their own.
 */
export const serviceProtocols: readonly ProtocolDefinition[] = [coordination as ProtocolDefinition, lockClientDefinition as ProtocolDefinition, storeDefinition as ProtocolDefinition, redlockClientDefinition as ProtocolDefinition];

export function protocolRegistry(extra: readonly ProtocolDefinition[] = []): Map<string, ProtocolDefinition> {
  const map = new Map<string, ProtocolDefinition>();
  for (const p of [...builtinProtocols, ...extra]) map.set(p.name, p);
  return map;
}
