/**
 * Master-slave (primary-backup) replication for the kv model: async, semi-sync and sync modes,
 * primary or replica reads (primary reads optionally under a lease), and none / manual / automatic
 * failover with epoch fencing, or failover through a coordination service (`failover: coordinator`).
 * See docs/protocols/master-slave.md.
 */
import type { ProtocolDefinition } from '../../core/protocol.js';
import { parseOptions, type MasterSlaveOptions } from './options.js';
import { createMasterSlave } from './protocol.js';
import { deployment, operatorActions, promises, space } from './space.js';

export type { MasterSlaveOptions } from './options.js';
export type { MsState, MsMsg, MsDurable, LogEntry } from './types.js';
export { tradeoffTable, type TradeoffRun, type TradeoffTable } from './tradeoffs.js';

export const definition: ProtocolDefinition<MasterSlaveOptions> = {
  name: 'master-slave',
  summary: 'primary-backup log shipping: async, semi-sync (k, optional fallback) or sync acks; primary or replica reads, optionally under a read lease; manual, automatic or coordinator (a leader key in a coordination service) failover fenced by epochs',
  models: ['kv'],
  flaws: [],
  parseOptions,
  space,
  promises,
  operatorActions,
  deployment,
  create: ({ options }) => createMasterSlave(options),
};
