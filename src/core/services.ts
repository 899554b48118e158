/**
 * Services calling services. In a scenario of several groups (a coordination service, a database,
 * lock clients), a node of one group reaches another group as a workload client does: a request
 * through the simulated network (so partitions, delays and loss cut it too), answered by a reply.
 * The same `ClientRequest` and `OpResult` types as workload clients: the called service cannot tell
 * a node from a client.
 *
 * A protocol that uses other services receives a `ServiceContext` (the runner gives one to every
 * node of a multi-group scenario) and answers through `ServiceProtocol.onReply`.
 */
import type { NodeId } from './ids.js';
import type { ClientRequest, Op, OpResult } from './ops.js';
import type { NodeContext, Protocol } from './protocol.js';

/** A history event a node records on behalf of a client process it embodies (lock clients). */
export interface RecordedOp {
  readonly type: 'invoke' | 'ok' | 'fail' | 'info';
  readonly f: string;
  readonly key?: string;
  readonly value: unknown;
  readonly error?: string;
}

export interface ServiceContext<Msg, Durable> extends NodeContext<Msg, Durable> {
  /** The group this node belongs to. */
  readonly group: string;
  /** The initial members of another group of the scenario, in id order (empty: no such group). */
  service(name: string): readonly NodeId[];
  /**
   * Sends `request` to `to` as a client would; returns the request id the answer will carry to
   * `onReply`. Ids are unique per run, across restarts.
   */
  call(to: NodeId, request: { readonly client: string; readonly seq: number; readonly op: Op }): string;
  /**
   * Records an event in the run's history for this node's client process (true time, in order):
   * nodes that embody clients (lock clients) record their acquires, releases and writes so the
   * history checkers judge them.
   */
  record(op: RecordedOp): void;
  /**
   * Records that this node believes it holds `lock` until its monotonic clock (`ctx.monotonic()`)
   * reads `untilMonoUs`: the history gets the release when its clock reaches that time, whether
   * or not the node is running (a paused client's belief runs out all the same). Undefined: the
   * belief ended now.
   * Call it right after recording the acquire's `ok`, and with `renewal` when a keepalive extends
   * the lease (a renewal after the belief ran out counts as acquiring again).
   */
  believeHeld(lock: string, untilMonoUs: number | undefined, renewal?: boolean): void;
}

/** A protocol whose nodes call other services. */
export interface ServiceProtocol<State, Msg, Durable> extends Protocol<State, Msg, Durable> {
  /** The answer to a request this node made with `ctx.call`. */
  onReply?(state: State, requestId: string, result: OpResult, from: NodeId, ctx: ServiceContext<Msg, Durable>): void;
}

/** Narrows a context to a service context, or explains why the protocol needs one. */
export function serviceContext<Msg, Durable>(ctx: NodeContext<Msg, Durable>, who: string): ServiceContext<Msg, Durable> {
  if (!('call' in ctx)) throw new Error(`${who} calls other services: run it as a group of a multi-group scenario (groups:)`);
  return ctx as ServiceContext<Msg, Durable>;
}

/** The wire messages of service calls (the composite of groups sends and receives them). */
export type ServiceMessage =
  | { readonly type: 'svc-request'; readonly request: ClientRequest }
  | { readonly type: 'svc-reply'; readonly requestId: string; readonly result: OpResult };

/**
 * This incarnation's name as a client of another service, drawn at boot from the node's stream:
 * services dedupe commands by (client, sequence number), so a restarted node that counted its
 * sequence numbers from 1 again under its old name would be answered from the dedup table with
 * its previous life's results (an old grant, an old session).
 */
export function incarnationName(ctx: Pick<NodeContext<unknown, unknown>, 'self' | 'random'>): string {
  return `${ctx.self}.${Math.floor(ctx.random() * 2 ** 31).toString(36)}`;
}
