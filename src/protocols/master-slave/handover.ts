/**
 * `primary-handover`: how service moved between primaries, from the history. The ops acknowledged
 * `ok` in completion order fall into runs by the node that answered (only a primary answers ok
 * with primary reads). Each change of node is a handover; its window is the time from the old
 * primary's last acknowledged op to the new one's first. Two primaries served at once when their
 * runs interleave: A, then B, then A again, then B again (a deposed primary still acknowledging
 * while its successor does). Fails on such an overlap; otherwise reports the windows.
 */
import type { History } from '../../core/history.js';
import type { CheckVerdict, ProtocolCheck } from '../../core/protocol.js';
import { plural } from '../../core/plural.js';

interface Run {
  readonly node: string;
  readonly firstUs: number;
  lastUs: number;
  ops: number;
}

function runsOf(history: History): Run[] {
  const runs: Run[] = [];
  for (const e of history) {
    if (e.type !== 'ok' || e.node === undefined || e.timeUs === undefined) continue;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.node === e.node) {
      last.lastUs = e.timeUs;
      last.ops++;
    } else runs.push({ node: e.node, firstUs: e.timeUs, lastUs: e.timeUs, ops: 1 });
  }
  return runs;
}

const ms = (us: number): string => `${(us / 1000).toFixed(1)}ms`;

/**
 * What a deposed primary acknowledged after its successor's first acknowledgement, by kind: the
 * answers its clients believed although a newer primary already served (its window, from the
 * successor's first ack to its own last).
 */
function lateAcks(history: History, deposed: string, successorFirstUs: number): { writes: number; reads: number; lastUs: number } {
  let writes = 0;
  let reads = 0;
  let lastUs = successorFirstUs;
  for (const e of history) {
    if (e.type !== 'ok' || e.node !== deposed || e.timeUs === undefined || e.timeUs < successorFirstUs) continue;
    if (e.f === 'read') reads++;
    else writes++;
    lastUs = Math.max(lastUs, e.timeUs);
  }
  return { writes, reads, lastUs };
}

export function checkPrimaryHandover(history: History): CheckVerdict {
  const runs = runsOf(history);
  for (let i = 0; i + 3 < runs.length; i++) {
    const [a, b, a2, b2] = [runs[i]!, runs[i + 1]!, runs[i + 2]!, runs[i + 3]!];
    if (a.node === a2.node && b.node === b2.node && a.node !== b.node) {
      const late = lateAcks(history, a.node, b.firstUs);
      return {
        verdict: 'fail',
        detail: `${a.node} and ${b.node} both acknowledged ops from ${ms(b.firstUs)} to ${ms(a2.lastUs)}: two primaries served at once (${a.node} after ${b.node} began: ${plural(late.writes, 'write')}, ${plural(late.reads, 'read')}, for ${ms(late.lastUs - b.firstUs)})`,
        evidence: { runs: [a, b, a2, b2], deposed: { node: a.node, successor: b.node, ...late, windowUs: late.lastUs - b.firstUs } },
      };
    }
  }
  const handovers = runs.slice(1).map((run, i) => ({ from: runs[i]!.node, to: run.node, windowUs: run.firstUs - runs[i]!.lastUs, atUs: runs[i]!.lastUs }));
  if (handovers.length === 0) return { verdict: 'pass', detail: runs.length === 0 ? 'no op was acknowledged' : `${runs[0]!.node} served throughout` };
  const list = handovers.map((h) => `${h.from}→${h.to} at ${ms(h.atUs)}, nothing acknowledged for ${ms(h.windowUs)}`).join('; ');
  return { verdict: 'pass', detail: `${handovers.length} handover${handovers.length === 1 ? '' : 's'}, never two primaries serving at once: ${list}`, evidence: { handovers } };
}

export const primaryHandover: ProtocolCheck<unknown> = {
  name: 'primary-handover',
  description: 'never two primaries acknowledging ops at once (from the history); reports each handover and its window with nothing acknowledged',
  check: (input) => checkPrimaryHandover(input.history),
};
