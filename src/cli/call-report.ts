/**
 * What a watched thread was doing when the watchdog had to stop it, in words: which node, which
 * call, which event — read from the call cells (kernel/watch.ts) and the names the thread announced.
 */
import { formatUs } from '../core/time.js';
import { CALL_STEP, CallKind, WATCH } from '../kernel/watch.js';
import type { UnfinishedCall } from '../kernel/findings.js';

/** The call a stopped thread was in. */
export interface CallReport {
  readonly kind: CallKind;
  /** "n2's handler for deliver append from n1" */
  readonly what: string;
  readonly node?: string;
  /** The event, described (for a handler: "deliver append from n1"). */
  readonly event?: string;
  readonly eventIndex: number;
  readonly timeUs: number;
}

export function describeCall(cells: Int32Array, names: ReadonlyMap<number, string>): CallReport {
  const kind = cells[WATCH.kind]! as CallKind;
  const nodeIndex = cells[WATCH.node]!;
  const node = nodeIndex >= 0 ? `n${nodeIndex + 1}` : undefined;
  const name = names.get(cells[WATCH.name]!) ?? (cells[WATCH.name]! >= 0 ? `#${cells[WATCH.name]}` : undefined);
  const from = names.get(cells[WATCH.from]!);
  const eventIndex = cells[WATCH.event]!;
  const timeUs = cells[WATCH.timeMs]! * 1000;
  const event = handlerEvent(cells[WATCH.step]!, name, from);
  const at = `event ${eventIndex.toLocaleString('en-US')}, at ${formatUs(timeUs)} virtual`;
  const base = { kind, eventIndex, timeUs, ...(node !== undefined ? { node } : {}) };
  switch (kind) {
    case CallKind.handler:
      return { ...base, what: `${node ?? 'a node'}'s handler for ${event} (${at})`, event };
    case CallKind.invariant:
      return { ...base, what: node !== undefined ? `the invariant ${name ?? '?'}, checked after a step of ${node} (${at})` : `the invariant ${name ?? '?'}'s monitor() factory` };
    case CallKind.role:
      return { ...base, what: `${node ?? 'a node'}'s role() or summary() (${at})` };
    case CallKind.check:
      return { ...base, what: `the check ${name ?? '?'} (after the run)` };
    case CallKind.view:
      return { ...base, what: `view() of ${node ?? 'a node'} (in a check after the run)` };
    case CallKind.load:
      return { ...base, what: `loading ${name ?? 'the protocol module and the scenario'}` };
    case CallKind.kernel:
      return { ...base, what: `dsim itself, after ${node ?? 'a node'}'s handler for ${event} returned (${at}; a value too large to copy or hash?)` };
    default:
      return { ...base, what: 'the run' };
  }
}

function handlerEvent(step: number, name: string | undefined, from: string | undefined): string {
  const what = CALL_STEP[step] ?? 'an event';
  switch (what) {
    case 'deliver':
      return `deliver ${name ?? '?'} from ${from ?? '?'}`;
    case 'request':
      return `request ${name ?? '?'} from ${from ?? '?'}`;
    case 'timer':
      return `timer ${name ?? '?'}`;
    case 'command':
      return `command ${name ?? '?'}`;
    default:
      return what;
  }
}

/** The finding-shaped account of a call that never finished. */
export function unfinishedCall(kind: UnfinishedCall['kind'], report: CallReport, message: string): UnfinishedCall {
  return {
    kind,
    message,
    eventIndex: report.eventIndex,
    timeUs: report.timeUs,
    ...(report.node !== undefined ? { node: report.node } : {}),
    ...(report.event !== undefined ? { event: report.event } : {}),
  };
}
