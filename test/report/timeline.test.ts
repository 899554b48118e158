import { describe, expect, it } from 'vitest';
import { isTimelineEvent, renderTimeline, type TimelineStyle } from '../../src/report/timeline.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { lostFixture, recordRun } from './support.js';

const lost = recordRun(lostFixture);
const tagged = (style: TimelineStyle, text: string): string => `[${style}]${text}[/]`;

/** The terminal escape that starts every colour code. */
const ESC = String.fromCharCode(27);

describe('text timeline', () => {
  const text = renderTimeline(lost.events, { end: { timeUs: lost.result.virtualTimeUs, checks: lost.result.checks } });
  const lines = text.split('\n');

  it('lists the key events in time order, one per line, without message traffic', () => {
    expect(lines).toEqual([
      '0.000s        start n1, n2, n3',
      '0.500s  n3    CRASHES',
      '0.800s  n3    restarts',
      '1.000s        partition p2: isolate n2',
      '1.400s        heal p2',
      '2.000s        ── phase heal ──',
      '2.500s        ── phase final-reads ──',
      `3.000s        CHECK FAILED broadcast-delivered: ${lost.result.checks.find((c) => c.name === 'broadcast-delivered')!.detail}`,
    ]);
  });

  it('colours through the paint function it is given, and only through it', () => {
    const painted = renderTimeline(lost.events, { paint: tagged, end: { timeUs: lost.result.virtualTimeUs, checks: lost.result.checks } });
    expect(painted).toContain('[time]0.500s[/]  [node]n3   [/] [fault]CRASHES[/]');
    expect(painted).toContain('[partition]partition p2: isolate n2[/]');
    expect(painted).toContain('[fail]CHECK FAILED broadcast-delivered');
    expect(text).not.toContain('['); // no paint, no escape codes
    expect(text).not.toContain(ESC);
  });

  it('keeps roles, violations, findings, clocks, commands and important notes; drops chatter', () => {
    const events: TraceEvent[] = [
      { i: 1, t: 1_000, kind: 'role', node: 'n1', role: 'candidate' },
      { i: 2, t: 2_000, kind: 'role', node: 'n1', role: 'leader' },
      { i: 3, t: 2_000, kind: 'note', node: 'n1', event: 'became leader', data: { term: 2 } },
      { i: 4, t: 2_500, kind: 'note', node: 'n1', event: 'applied', data: { index: 4 } },
      { i: 5, t: 3_000, kind: 'clock', node: 'n2', offsetUs: -200_000, drift: 0.001 },
      { i: 6, t: 3_500, kind: 'command', node: 'n2', name: 'promote', args: {} },
      { i: 7, t: 4_000, kind: 'violation', name: 'election-safety', message: 'two leaders in term 2' },
      { i: 8, t: 5_000, kind: 'finding', finding: 'handler-threw', message: 'n3: TypeError' },
      { i: 9, t: 5_000, kind: 'timer', node: 'n1', name: 'heartbeat' },
      { i: 10, t: 5_000, kind: 'role', node: 'n1', role: null },
    ];
    expect(renderTimeline(events, { paint: tagged }).split('\n').map((l) => l.replace(/\[\/?[a-z]*\]/g, ''))).toEqual([
      '0.001s  n1    is now candidate',
      '0.002s  n1    is now leader',
      '0.002s  n1    became leader {"term":2}',
      '0.003s  n2    clock offset -200000µs, drift 0.001',
      '0.003s  n2    command promote {}',
      '0.004s        VIOLATION election-safety: two leaders in term 2',
      '0.005s        FINDING handler-threw: n3: TypeError',
      '0.005s  n1    is now without a role',
    ]);
    expect(renderTimeline(events, { paint: tagged })).toContain('[leader]is now leader');
    expect(isTimelineEvent(events[3]!)).toBe(false);
    expect(isTimelineEvent(events[2]!)).toBe(true);
  });

  it('elides the middle of a long timeline but never a violation', () => {
    const events: TraceEvent[] = Array.from({ length: 2_000 }, (_, i) => ({ i, t: i * 1_000, kind: 'role' as const, node: `n${(i % 3) + 1}`, role: i % 2 === 0 ? 'candidate' : 'follower' }));
    events.splice(1_000, 0, { i: 1_000, t: 999_500, kind: 'violation', name: 'log-matching', message: 'n1 and n2 differ at index 7' });
    const out = renderTimeline(events, { maxLines: 100 }).split('\n');
    expect(out.length).toBeLessThanOrEqual(103);
    expect(out.some((l) => l.includes('VIOLATION log-matching'))).toBe(true);
    expect(out.filter((l) => l.includes('… '))).toEqual([expect.stringMatching(/… \d+ more \(\d+ role\)/), expect.stringMatching(/… \d+ more \(\d+ role\)/)]);
    expect(out[0]).toContain('0.000s');
    expect(out[out.length - 1]).toContain('1.999s');
  });

  it('says so when nothing happened', () => {
    expect(renderTimeline([])).toBe('(no key events)');
  });
});
