/**
 * Scripted clients, for exploration: each client has a fixed list of ops and issues the next one
 * only when a driver tells it to (`invoke`, naming the node to ask). Nothing here draws a random
 * number or reads a clock: which client goes next, and where, are the driver's choices. Replies
 * are Jepsen completions as in `Workload`: ok, fail, info; a redirect that names a leader is
 * followed at once (a bounded number of times), one that names none ends the op failed (the
 * nodes definitely refused it).
 */
import type { EventType, HistoryEvent } from '../core/history.js';
import type { NodeId } from '../core/ids.js';
import type { Op, OpResult } from '../core/ops.js';
import { recordOp, type ClientHost } from './clients.js';

/** Redirects followed for one op before it ends failed (a redirect loop cannot spin forever). */
const MAX_REDIRECTS = 3;

interface ScriptedClient {
  readonly name: string;
  readonly ops: readonly Op[];
  endpoint: number;
  process: number;
  /** Index of the next op to invoke. */
  next: number;
  /** The op awaiting a reply: its request id and the node asked. */
  awaiting: { readonly op: Op; requestId: string; node: NodeId; redirects: number; resends: number } | undefined;
}

/** What a client is doing, as plain data (for state hashing and reports). */
export interface ScriptedClientState {
  readonly name: string;
  readonly process: number;
  readonly next: number;
  readonly awaiting: { readonly node: NodeId; readonly requestId: string } | null;
}

export class ScriptedClients {
  readonly history: HistoryEvent[] = [];
  private readonly keep = (event: HistoryEvent): void => void this.history.push(event);
  private readonly clients: ScriptedClient[] = [];
  private nextProcess: number;

  constructor(
    private readonly host: ClientHost,
    scripts: readonly (readonly Op[])[],
    /** Home zone of each client (clients are homed round-robin over these nodes). */
    homes: readonly NodeId[],
  ) {
    scripts.forEach((ops, i) => {
      const client: ScriptedClient = { name: `c${i + 1}`, ops, endpoint: -1, process: i, next: 0, awaiting: undefined };
      client.endpoint = host.addProcess(client.name, homes[i % homes.length]!, {
        onReply: (requestId, result, from) => this.onReply(client, requestId, result, from),
      });
      this.clients.push(client);
    });
    this.nextProcess = scripts.length;
  }

  /** Names of the clients that could invoke an op now (idle, with ops left), in client order. */
  ready(): string[] {
    return this.clients.filter((c) => c.awaiting === undefined && c.next < c.ops.length).map((c) => c.name);
  }

  /** Client `name` invokes its next op, sending it to `node`. */
  invoke(name: string, node: NodeId): void {
    const client = this.clients.find((c) => c.name === name);
    if (client === undefined || client.awaiting !== undefined || client.next >= client.ops.length) throw new Error(`client ${name} cannot invoke now`);
    const op = client.ops[client.next++]!;
    client.awaiting = { op, requestId: '', node, redirects: 0, resends: 0 };
    this.record(client, 'invoke', op, op.value);
    this.send(client, node);
  }

  /** The ops awaiting a reply, in client order. */
  openOps(): Array<{ readonly client: string; readonly f: string; readonly key: string | undefined; readonly node: NodeId }> {
    return this.clients.flatMap((c) => (c.awaiting === undefined ? [] : [{ client: c.name, f: c.awaiting.op.f, key: c.awaiting.op.key, node: c.awaiting.node }]));
  }

  /** Names of the clients awaiting a reply, in client order. */
  awaiting(): string[] {
    return this.clients.filter((c) => c.awaiting !== undefined).map((c) => c.name);
  }

  /**
   * Client `name` sends its open op again, to the node it last asked, as a client whose request
   * timed out: same client and sequence number (a protocol with client sessions applies it once),
   * a new request id (a reply to an earlier attempt is then stale).
   */
  resend(name: string): void {
    const client = this.clients.find((c) => c.name === name);
    if (client?.awaiting === undefined) throw new Error(`client ${name} has no open op to resend`);
    client.awaiting.resends++;
    this.send(client, client.awaiting.node);
  }

  /** Every client's state, in client order. */
  states(): ScriptedClientState[] {
    return this.clients.map((c) => ({
      name: c.name,
      process: c.process,
      next: c.next,
      awaiting: c.awaiting === undefined ? null : { node: c.awaiting.node, requestId: c.awaiting.requestId },
    }));
  }

  /** Ops invoked so far, and how many are still open. */
  get open(): number {
    return this.clients.filter((c) => c.awaiting !== undefined).length;
  }

  private send(client: ScriptedClient, node: NodeId): void {
    const flight = client.awaiting!;
    flight.node = node;
    flight.requestId = `${client.name}:${client.next}:${flight.redirects + 1}${flight.resends > 0 ? `r${flight.resends}` : ''}`;
    this.host.sendRequest(client.endpoint, node, { id: flight.requestId, client: client.name, seq: client.next, op: flight.op });
  }

  private onReply(client: ScriptedClient, requestId: string, result: OpResult, from: NodeId): void {
    const flight = client.awaiting;
    if (flight === undefined || flight.requestId !== requestId) return; // stale or duplicate
    switch (result.type) {
      case 'ok':
        this.complete(client, 'ok', result.value !== undefined ? result.value : flight.op.f === 'read' ? null : flight.op.value, from, undefined);
        return;
      case 'fail':
      case 'info':
        this.complete(client, result.type, flight.op.value, from, result.error);
        return;
      case 'redirect':
        if (result.to === undefined || flight.redirects >= MAX_REDIRECTS) {
          this.complete(client, 'fail', flight.op.value, from, `${result.error ?? `redirected by ${from}`} (gave up after ${flight.redirects + 1} attempts)`);
          return;
        }
        flight.redirects++;
        this.send(client, result.to);
        return;
    }
  }

  private complete(client: ScriptedClient, type: 'ok' | 'fail' | 'info', value: unknown, node: NodeId, error: string | undefined): void {
    const flight = client.awaiting!;
    client.awaiting = undefined;
    this.record(client, type, flight.op, value, error, node);
    // Jepsen: a process with an indeterminate op never invokes again.
    if (type === 'info') client.process = this.nextProcess++;
  }

  private record(client: ScriptedClient, type: EventType, op: Op, value: unknown, error?: string, node?: NodeId): void {
    recordOp(this.host, this.keep, this.history.length, client, type, op, value, error, node);
  }

}
