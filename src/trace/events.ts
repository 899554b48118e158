/**
 * The trace: what happened in a run, event by event, as plain JSON objects (one per line in
 * `--trace out.jsonl`). Recorded only when a sink is attached; the running hash is always kept.
 */
import type { OpResult } from '../core/ops.js';
import { shortJson } from '../core/short-json.js';

interface Base {
  /** Kernel event number that produced it (several trace events can share one). */
  readonly i: number;
  /** True (simulation) time, µs. */
  readonly t: number;
}

export type DropReason = 'partition' | 'loss' | 'crashed' | 'cut' | 'stopped';

export type TraceEvent = Base &
  (
    | { readonly kind: 'send'; readonly from: string; readonly to: string; readonly id: number; readonly msg: unknown; readonly copies: number }
    | { readonly kind: 'deliver'; readonly from: string; readonly to: string; readonly id: number; readonly type: string }
    | { readonly kind: 'drop'; readonly from: string; readonly to: string; readonly id: number; readonly reason: DropReason }
    | { readonly kind: 'timer'; readonly node: string; readonly name: string }
    | { readonly kind: 'request'; readonly from: string; readonly to: string; readonly id: number; readonly request: unknown }
    | { readonly kind: 'reply'; readonly from: string; readonly to: string; readonly id: number; readonly requestId: string; readonly result: OpResult }
    | { readonly kind: 'start' | 'crash' | 'restart' | 'pause' | 'resume'; readonly node: string }
    | { readonly kind: 'partition'; readonly id: number; readonly description: string; readonly name?: string }
    | { readonly kind: 'heal'; readonly id?: number; readonly description: string }
    | { readonly kind: 'clock'; readonly node: string; readonly offsetUs: number; readonly drift: number; readonly resolutionUs?: number }
    | { readonly kind: 'command'; readonly node: string; readonly name: string; readonly args: unknown }
    | { readonly kind: 'note'; readonly node: string; readonly event: string; readonly data?: unknown }
    | { readonly kind: 'role'; readonly node: string; readonly role: string | null }
    | { readonly kind: 'state'; readonly node: string; readonly summary: string }
    | { readonly kind: 'persist'; readonly node: string }
    | { readonly kind: 'op'; readonly type: 'invoke' | 'ok' | 'fail' | 'info'; readonly process: number; readonly client: string; readonly f: string; readonly key?: string; readonly value: unknown; readonly node?: string; readonly error?: string }
    | { readonly kind: 'violation'; readonly name: string; readonly message: string }
    | { readonly kind: 'finding'; readonly finding: string; readonly message: string }
    | { readonly kind: 'phase'; readonly phase: string }
  );

export type TraceKind = TraceEvent['kind'];

export interface TraceSink {
  event(event: TraceEvent): void;
}

/** Keeps every event in memory (tests, HTML reports, determinism checks). */
export class TraceRecorder implements TraceSink {
  readonly events: TraceEvent[] = [];
  constructor(private readonly limit = 5_000_000) {}
  truncated = false;
  event(event: TraceEvent): void {
    if (this.events.length < this.limit) this.events.push(event);
    else this.truncated = true;
  }
}

/** One event as a single line of text, for timelines and divergence reports. */
export function describeTraceEvent(e: TraceEvent): string {
  switch (e.kind) {
    case 'send':
      return `${e.from} -> ${e.to} send #${e.id} ${short(e.msg)}${e.copies > 1 ? ' (duplicated)' : ''}`;
    case 'deliver':
      return `${e.from} -> ${e.to} deliver #${e.id} ${e.type}`;
    case 'drop':
      return `${e.from} -> ${e.to} drop #${e.id} (${e.reason})`;
    case 'timer':
      return `${e.node} timer ${e.name}`;
    case 'request':
      return `${e.from} -> ${e.to} request ${short(e.request)}`;
    case 'reply':
      return `${e.from} -> ${e.to} reply ${e.requestId} ${short(e.result)}`;
    case 'start':
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
      return `${e.node} ${e.kind}`;
    case 'partition':
      return `partition #${e.id}: ${e.description}`;
    case 'heal':
      return `heal ${e.description}`;
    case 'clock':
      return `${e.node} clock offset ${e.offsetUs}µs drift ${e.drift}${e.resolutionUs !== undefined ? ` resolution ${e.resolutionUs}µs` : ''}`;
    case 'command':
      return `${e.node} command ${e.name} ${short(e.args)}`;
    case 'note':
      return `${e.node} ${e.event}${e.data === undefined ? '' : ' ' + short(e.data)}`;
    case 'role':
      return `${e.node} is now ${e.role ?? 'no role'}`;
    case 'state':
      return `${e.node}: ${e.summary}`;
    case 'persist':
      return `${e.node} persist`;
    case 'op':
      return `${e.client} (p${e.process}) ${e.type} ${e.f}${e.key === undefined ? '' : ' ' + e.key} ${short(e.value)}${e.error ? ` [${e.error}]` : ''}`;
    case 'violation':
      return `VIOLATION ${e.name}: ${e.message}`;
    case 'finding':
      return `FINDING ${e.finding}: ${e.message}`;
    case 'phase':
      return `phase ${e.phase}`;
  }
}

function short(value: unknown): string {
  return shortJson(value, 160);
}
