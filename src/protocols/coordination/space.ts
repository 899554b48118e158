/**
 * The coordination service's configuration space, promises and deployment. Its own correctness is
 * Raft's (every Raft invariant, after every step) and its replicas' convergence after a heal; what
 * it promises the lock clients and the resource they write is judged in their groups (lock-client:
 * mutual exclusion and lock liveness; store: fenced writes), so `dsim fuzz --protocol coordination`
 * runs it with them: the deployment below.
 */
import type { ConfigurationSpace, Deployment, DeploymentGroup, DeploymentQuery, PromiseQuery, Promises } from '../../core/protocol.js';
import type { CoordinationOptions } from './options.js';

/** Dimensions of the lock clients' options, drawn with the service's (not options of the service itself). */
const CLIENT_DIMENSIONS = ['holdUs', 'renew', 'ttlUs'] as const;

export const space: ConfigurationSpace = {
  dimensions: [
    { name: 'reads', values: ['read-index', 'log'] },
    { name: 'holdUs', values: ['100ms', '2s'], description: 'the lock clients\' work while holding: longer than a TTL, a holder renews its session while it works' },
    { name: 'renew', values: ['keepalive', 'read'], description: 'how lock holders keep their session alive: keepalives, or reads of their lock naming the session' },
    { name: 'ttlUs', values: ['1s', '500ms'], description: 'the lock clients\' session TTL' },
    { name: 'snapshotEvery', values: [100, 0, 4] },
    { name: 'expiryCheckUs', values: ['20ms', '100ms'] },
  ],
  options: (choice) => Object.fromEntries(Object.entries(choice).filter(([name, value]) => value !== null && !(CLIENT_DIMENSIONS as readonly string[]).includes(name))),
};

/**
 * Raft's invariants, after every step. Not `converged`: the service's clients keep their sessions
 * alive through the quiet period, so its replicas are never quiescent at the end of a run (a
 * follower may be an entry behind); Raft's log-matching and state-machine invariants compare them
 * throughout instead.
 */
export function promises(_query: PromiseQuery<CoordinationOptions>): Promises {
  return { checks: ['invariants'] };
}

/** Lock clients fuzzed against the service: at least two, or no one could contend. */
const MIN_CLIENTS = 2;

/**
 * The service with its users: `coord` (the service, `nodes` nodes), `store` (the resource, one
 * node, fencing on) and `clients` (lock clients, one node each). The unsafe designs a flaw names
 * are planted where they belong: `no-fencing` in the store, `lease-ignores-drift` in the clients,
 * `follower-reads` in the service, and `redlock` replaces the service and its clients by Redlock
 * clients over `nodes` independent single-node servers that expire sessions by the wall clock, as
 * Redis does.
 */
export function deployment({ options, choice, flaws, nodes, clients }: DeploymentQuery): Deployment {
  const has = (flaw: string): boolean => flaws.includes(flaw);
  const lockClients = Math.max(MIN_CLIENTS, clients);
  const ttlUs = choice['ttlUs'];
  const store: DeploymentGroup = { protocol: 'store', nodes: 1, ...(has('no-fencing') ? { options: { fencing: false } } : {}) };
  const groups: Record<string, DeploymentGroup> = {};
  if (has('redlock')) {
    const servers = Array.from({ length: nodes }, (_, i) => `r${i + 1}`);
    for (const server of servers) groups[server] = { protocol: 'coordination', nodes: 1, options: { ...options, expiryClock: 'wall' } };
    groups['store'] = store;
    const holdUs = choice['holdUs'];
    groups['clients'] = { protocol: 'redlock-client', nodes: lockClients, options: { servers, ...(holdUs !== undefined ? { holdUs } : {}), ...(ttlUs !== undefined ? { ttlUs } : {}) } };
  } else {
    groups['coord'] = { protocol: 'coordination', nodes, options, ...(has('follower-reads') ? { flaws: ['follower-reads'] } : {}) };
    groups['store'] = store;
    const clientOptions = Object.fromEntries(CLIENT_DIMENSIONS.flatMap((name) => (choice[name] !== undefined && choice[name] !== null ? [[name, choice[name]]] : [])));
    groups['clients'] = {
      protocol: 'lock-client',
      nodes: lockClients,
      ...(Object.keys(clientOptions).length > 0 ? { options: clientOptions } : {}),
      ...(has('lease-ignores-drift') ? { flaws: ['lease-ignores-drift'] } : {}),
    };
  }
  return { groups, workload: { service: 'store', clients: 0 } };
}
