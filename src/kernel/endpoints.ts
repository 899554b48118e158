/**
 * Client processes: endpoints homed in a node's zone that send requests to nodes through the
 * network and take the replies. Endpoints are numbered after the nodes. A reply finds its way by
 * the request id: an id `name:...` names its sender, so the kernel keeps no entry per request and
 * its memory does not grow with the run; only ids that do not name their sender are remembered.
 */
import { assert } from '../core/assert.js';
import type { ProcessHandler } from './types.js';

export class Endpoints {
  private readonly handlers: ProcessHandler[] = [];
  private readonly names: string[] = [];
  /** Endpoints by process name: a request id `name:...` from process `name` is answered by name. */
  private readonly byName = new Map<string, number>();
  /** Requests whose id does not start with their sender's name (rare: tests, custom actors). */
  private readonly replyTo = new Map<string, number>();

  constructor(
    /** Endpoints below this are nodes. */
    private readonly nodeCount: number,
  ) {}

  /** Registers a process at `endpoint` (the network's next endpoint). */
  add(name: string, handler: ProcessHandler, endpoint: number): void {
    assert(endpoint === this.nodeCount + this.handlers.length, 'endpoint numbering out of step');
    this.handlers.push(handler);
    this.names.push(name);
    this.byName.set(name, endpoint);
  }

  /** The process at `endpoint` (an endpoint at or above the node count). */
  handler(endpoint: number): ProcessHandler {
    return this.handlers[endpoint - this.nodeCount]!;
  }

  name(endpoint: number): string {
    return this.names[endpoint - this.nodeCount] ?? `?${endpoint}`;
  }

  /** A request leaves `fromEndpoint`: remember where its reply goes unless its id says so. */
  sent(requestId: string, fromEndpoint: number): void {
    if (this.senderOf(requestId) === fromEndpoint) {
      if (this.replyTo.size > 0) this.replyTo.delete(requestId);
    } else {
      this.replyTo.set(requestId, fromEndpoint);
    }
  }

  /** Where the reply to `requestId` goes; undefined for a request no process sent. */
  replyEndpoint(requestId: string): number | undefined {
    return this.replyTo.get(requestId) ?? this.senderOf(requestId);
  }

  /** The process named by a request id's prefix (`c1:4:1` → c1's endpoint), if any. */
  private senderOf(requestId: string): number | undefined {
    const colon = requestId.indexOf(':');
    return colon <= 0 ? undefined : this.byName.get(requestId.slice(0, colon));
  }
}
