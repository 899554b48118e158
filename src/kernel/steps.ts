/**
 * Kinds of step (one handler call on one node), as small integers: the kernel picks the handler by
 * a switch on them rather than by a closure, on its hottest path. And how a step is described in a
 * finding.
 */
import type { ClientRequest } from '../core/ops.js';
import type { AdminCommand } from '../core/protocol.js';

export const STEP_MESSAGE = 0;
export const STEP_REQUEST = 1;
export const STEP_TIMER = 2;
export const STEP_INIT = 3;
export const STEP_REINIT = 4;
export const STEP_COMMAND = 5;
/** Not a handler: a scheduled call (a scenario event) running. */
export const STEP_CALL = 6;
export type StepKind = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** The event being handled, for findings (-1: nothing yet, the start of the run). */
export function describeStep(kind: StepKind | -1, arg: unknown, from: string): string {
  switch (kind) {
    case STEP_MESSAGE:
      return `deliver ${messageType(arg)} from ${from}`;
    case STEP_REQUEST:
      return `request ${(arg as ClientRequest).op.f} from ${from}`;
    case STEP_TIMER:
      return `timer ${String(arg)}`;
    case STEP_INIT:
      return 'init (first boot)';
    case STEP_REINIT:
      return 'init (restart)';
    case STEP_COMMAND:
      return `command ${(arg as AdminCommand).name}`;
    case STEP_CALL:
      return 'scenario event';
    default:
      return 'start of run';
  }
}

/** The `type` field of an object message, else its JS type. */
export function messageType(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null) {
    const type = (msg as { type?: unknown }).type;
    if (typeof type === 'string') return type;
    return 'object';
  }
  return typeof msg;
}
