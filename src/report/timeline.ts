/**
 * The text timeline of a run (`dsim run --timeline`): one line per key event — roles and
 * elections, crashes, restarts, pauses, partitions, heals, clock skews, commands, notes that look
 * important, violations and findings — for terminals and CI logs.
 *
 * Pure: colour comes in as a `paint` function (the CLI passes chalk; the default paints nothing),
 * so this module stays free of terminal concerns.
 */
import type { TraceEvent } from '../trace/events.js';
import { looksImportant, short } from './html-model.js';

export type TimelineStyle = 'time' | 'node' | 'fault' | 'recover' | 'partition' | 'heal' | 'role' | 'leader' | 'clock' | 'command' | 'note' | 'violation' | 'finding' | 'phase' | 'dim' | 'pass' | 'fail';
export type Paint = (style: TimelineStyle, text: string) => string;

export interface TimelineOptions {
  readonly paint?: Paint;
  /** Most event lines (violations and findings are always kept); default 400. */
  readonly maxLines?: number;
  /** Checks judged at the end, listed after the last event. */
  readonly end?: { readonly timeUs: number; readonly checks: ReadonlyArray<{ readonly name: string; readonly verdict: string; readonly detail: string }> };
}

const DEFAULT_MAX_LINES = 400;
const LEADER_ROLE = /^(leader|primary|master)$/i;

/** Trace events the timeline shows; a recorder for it may drop every other event. */
export function isTimelineEvent(e: TraceEvent): boolean {
  switch (e.kind) {
    case 'role':
    case 'start':
    case 'crash':
    case 'restart':
    case 'pause':
    case 'resume':
    case 'partition':
    case 'heal':
    case 'clock':
    case 'command':
    case 'violation':
    case 'finding':
    case 'phase':
      return true;
    case 'note':
      return looksImportant(e.event) || (e.data !== undefined && looksImportant(short(e.data, 300)));
    case 'send':
    case 'deliver':
    case 'drop':
    case 'timer':
    case 'request':
    case 'reply':
    case 'persist':
    case 'op':
    case 'state':
      return false;
  }
}

interface Line {
  readonly t: number;
  readonly node: string;
  readonly style: TimelineStyle;
  readonly text: string;
  /** Never elided. */
  readonly pinned: boolean;
}

/** Renders the key events of a trace as lines of text (joined with newlines). */
export function renderTimeline(events: readonly TraceEvent[], options: TimelineOptions = {}): string {
  const paint: Paint = options.paint ?? ((_style, text) => text);
  const maxLines = Math.max(10, options.maxLines ?? DEFAULT_MAX_LINES);
  const lines: Line[] = [];
  const bootAtZero: string[] = [];
  for (const e of events) {
    if (!isTimelineEvent(e)) continue;
    if (e.kind === 'start' && e.t === 0) {
      bootAtZero.push(e.node);
      continue;
    }
    lines.push(lineOf(e));
  }
  const out: string[] = [];
  const endUs = Math.max(options.end?.timeUs ?? 0, events.length > 0 ? events[events.length - 1]!.t : 0);
  const timeWidth = formatSeconds(endUs).length;
  const format = (l: Line): string => `${paint('time', formatSeconds(l.t).padStart(timeWidth))}  ${paint('node', l.node.padEnd(5))} ${paint(l.style, l.text)}`;
  if (bootAtZero.length > 0) out.push(format({ t: 0, node: '', style: 'dim', text: `start ${bootAtZero.join(', ')}`, pinned: false }));
  for (const item of elide(lines, maxLines)) {
    out.push(typeof item === 'string' ? `${' '.repeat(timeWidth)}  ${paint('dim', item)}` : format(item));
  }
  if (options.end !== undefined) {
    for (const c of options.end.checks) {
      if (c.verdict === 'pass') continue;
      const style: TimelineStyle = c.verdict === 'fail' ? 'fail' : 'finding';
      out.push(format({ t: options.end.timeUs, node: '', style, text: `${c.verdict === 'fail' ? 'CHECK FAILED' : 'CHECK UNDECIDED'} ${c.name}: ${c.detail}`, pinned: true }));
    }
  }
  if (out.length === 0) out.push(paint('dim', '(no key events)'));
  return out.join('\n');
}

/** Keeps the first and last halves of the budget and every pinned line; says what it left out. */
function elide(lines: readonly Line[], max: number): Array<Line | string> {
  if (lines.length <= max) return [...lines];
  const head = Math.ceil(max / 2);
  const tailFrom = lines.length - Math.floor(max / 2);
  const out: Array<Line | string> = [];
  let skipped = 0;
  const skippedKinds = new Map<TimelineStyle, number>();
  const flush = (): void => {
    if (skipped === 0) return;
    const kinds = [...skippedKinds].map(([k, n]) => `${n} ${k}`).join(', ');
    out.push(`… ${skipped} more (${kinds})`);
    skipped = 0;
    skippedKinds.clear();
  };
  lines.forEach((line, i) => {
    if (i < head || i >= tailFrom || line.pinned) {
      flush();
      out.push(line);
    } else {
      skipped++;
      skippedKinds.set(line.style, (skippedKinds.get(line.style) ?? 0) + 1);
    }
  });
  flush();
  return out;
}

function lineOf(e: TraceEvent): Line {
  const at = (node: string, style: TimelineStyle, text: string, pinned = false): Line => ({ t: e.t, node, style, text, pinned });
  switch (e.kind) {
    case 'role':
      return at(e.node, e.role !== null && LEADER_ROLE.test(e.role) ? 'leader' : 'role', `is now ${e.role ?? 'without a role'}`);
    case 'start':
      return at(e.node, 'recover', 'starts');
    case 'crash':
      return at(e.node, 'fault', 'CRASHES');
    case 'restart':
      return at(e.node, 'recover', 'restarts');
    case 'pause':
      return at(e.node, 'fault', 'paused');
    case 'resume':
      return at(e.node, 'recover', 'resumes');
    case 'partition':
      return at('', 'partition', `partition ${e.name ?? `#${e.id}`}: ${e.description}`);
    case 'heal':
      // Named heals already read "p2"; say the id only when the name differs from it.
      return at('', 'heal', `heal ${e.description}`);
    case 'clock':
      return at(e.node, 'clock', `clock offset ${e.offsetUs >= 0 ? '+' : ''}${e.offsetUs}µs, drift ${e.drift}`);
    case 'command':
      return at(e.node, 'command', `command ${e.name}${e.args === undefined ? '' : ' ' + short(e.args, 120)}`);
    case 'note':
      return at(e.node, 'note', `${e.event}${e.data === undefined ? '' : ' ' + short(e.data, 160)}`);
    case 'violation':
      return at('', 'violation', `VIOLATION ${e.name}: ${e.message}`, true);
    case 'finding':
      return at('', 'finding', `FINDING ${e.finding}: ${e.message}`, true);
    case 'phase':
      return at('', 'phase', `── phase ${e.phase} ──`);
    default:
      return at('', 'dim', e.kind);
  }
}

/** Seconds to the millisecond (truncated, so nothing shows later than it happened): `12.500s`. */
export function formatSeconds(us: number): string {
  return `${(Math.floor(us / 1_000) / 1_000).toFixed(3)}s`;
}
