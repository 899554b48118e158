import { describe, expect, it } from 'vitest';
import { pairOperations, type Operation } from '../../src/core/history.js';
import type { Finding } from '../../src/kernel/findings.js';
import { buildReportData, escapeHtml, jsonForScript, renderRunHtml, type ReportData } from '../../src/report/html.js';
import { chooseMessages, naturalCompare, sampleEvenly, short } from '../../src/report/html-model.js';
import type { RunResult } from '../../src/runner/index.js';
import type { TraceEvent } from '../../src/trace/events.js';
import { lostFixture, recordRun, reportDataOf, type RecordedRun } from './support.js';
import { CSP_META } from '../../src/report/escape.js';
import { renderLinearizabilityHtml } from '../../src/report/linearizability-html.js';
import { renderIsolationHtml } from '../../src/report/isolation-html.js';
import { checkLinearizability, models } from '../../src/checkers/linearizability/index.js';
import { checkIsolation } from '../../src/checkers/isolation/index.js';

const lost = recordRun(lostFixture);
const partition = recordRun('scenarios/broadcast/partition.yaml');

function withChecks(run: RecordedRun, checks: RunResult['checks'], extra: Partial<RunResult> = {}): RunResult {
  return { ...run.result, checks, ...extra };
}

function opsOf(run: RecordedRun): Operation[] {
  return pairOperations(run.result.history, { allowInvokeAfterInfo: true });
}

/** Ops the report highlighted, as "p<process> <f> <input>". */
function highlightedOps(data: ReportData): string[] {
  return data.ops.filter((o) => o[12] === 1).map((o) => `p${o[11]} ${o[5]} ${o[7]}`);
}

describe('HTML report: safety', () => {
  const hostile = '</script><script>alert(1)</script><!--';
  const events: TraceEvent[] = [
    ...lost.events,
    { i: 9_000, t: 2_900_000, kind: 'send', from: 'n1', to: 'n2', id: 99_001, msg: { type: hostile, text: '<img src=x onerror=alert(2)>', sep: 'a\u2028b' }, copies: 1 },
    { i: 9_001, t: 2_901_000, kind: 'deliver', from: 'n1', to: 'n2', id: 99_001, type: hostile },
    { i: 9_002, t: 2_902_000, kind: 'note', node: 'n1', event: '<script>alert(3)</script> elected', data: { x: '</SCRIPT>' } },
    { i: 9_003, t: 2_903_000, kind: 'violation', name: '<b>bold</b>', message: '</script><script>alert(4)</script> in term 2 at n2' },
  ];
  const result = withChecks(lost, [{ name: 'x<y', verdict: 'fail', detail: '<img src=y onerror=alert(5)>', evidence: { node: 'n2', message: '</script>' } }], { scenario: '<i>name</i>' });
  const html = renderRunHtml({ result, events });

  it('embeds trace strings as inert data: no markup from the run reaches the page', () => {
    expect(html.match(/<script/gi)).toHaveLength(2); // the data block and the page's own script
    expect(html).not.toMatch(/<script>alert/i);
    expect(html).not.toMatch(/<img src=[xy]/i);
    expect(html).not.toMatch(/<\/script><script>/i);
    expect(html).not.toContain('\u2028');
    expect(html).toContain('&lt;img src=y onerror=alert(5)&gt;');
    expect(html).toContain('<title>dsim: &lt;i&gt;name&lt;/i&gt; (seed 3)</title>');
  });

  it('the data block parses back to the exact strings', () => {
    const data = reportDataOf(html);
    expect(data.types).toContain(hostile);
    expect(data.arrows.some((a) => a[7].includes('<img src=x onerror=alert(2)>') && a[7].includes('a\u2028b'))).toBe(true);
    expect(data.marks.some((m) => m[3].includes('<script>alert(3)</script>'))).toBe(true);
    expect(data.violations.map((v) => v.name)).toContain('<b>bold</b>');
    expect(data.meta.scenario).toBe('<i>name</i>');
  });

  it('the page is self-contained and forbids network access', () => {
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|<img|<iframe|<[a-z]+[^>]*\ssrc=/i);
    expect(html).toContain(`content="default-src 'none'`);
  });

  it('every page dsim writes carries the one CSP; a right-to-left override in a name is shown, not obeyed', () => {
    const ops = opsOf(lost);
    const pages = [
      html,
      renderLinearizabilityHtml({ title: 't', modelName: 'register', operations: ops.slice(0, 0), result: checkLinearizability([], models.register!) }),
      renderIsolationHtml({ title: 't', result: checkIsolation([], { model: 'list-append', consistency: 'serializable' }) }),
    ];
    for (const page of pages) expect(page).toContain(CSP_META);
    const spoofed = renderRunHtml({ result: withChecks(lost, lost.result.checks, { scenario: 'x\u202eNEKORB\u2066' }), events: lost.events });
    expect(spoofed).toContain('<h1><bdi>x\\u202eNEKORB\\u2066</bdi> <span class="result-');
    // Only the data block (read by the page's script, which shows such controls escaped) holds the name as it is.
    const rendered = spoofed.slice(spoofed.indexOf('</head>')).replace(/<script type="application\/json" id="dsim-data">[^]*?<\/script>/, '');
    expect(rendered).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
  });

  it('escapeHtml and jsonForScript escape what they must', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const json = jsonForScript({ s: '</script><!-- & \u2028\u2029' });
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(json)).toEqual({ s: '</script><!-- & \u2028\u2029' });
  });
});

describe('HTML report: what it shows', () => {
  const data = buildReportData(lost);

  it('carries each node\'s state summaries for hover, changes only, in time order', () => {
    const raft = recordRun('scenarios/raft/leader-isolated.yaml');
    const data = buildReportData({ result: raft.result, events: raft.events });
    expect(data.states.length).toBeGreaterThan(100);
    const n1 = data.states.filter((s) => data.lanes[s[0]]!.id === 'n1');
    expect(n1[0]).toEqual([0, 0, 'term 0 follower, log 0 (snapshot 0), commit 0, applied 0']);
    for (let i = 1; i < n1.length; i++) {
      expect(n1[i]![1]).toBeGreaterThanOrEqual(n1[i - 1]![1]);
      expect(n1[i]![2]).not.toBe(n1[i - 1]![2]);
    }
    expect(data.states.some((s) => /^term \d+ leader, log \d+/.test(s[2]))).toBe(true);
  });

  it('has a lane per node and per client, fault bands, arrows and op bars', () => {
    expect(data.lanes.map((l) => l.id)).toEqual(['n1', 'n2', 'n3', 'c1', 'c2']);
    expect(data.lanes.map((l) => l.kind)).toEqual(['node', 'node', 'node', 'client', 'client']);
    expect(data.bands).toContainEqual([2, 500_000, 800_000, 'down', 'crashed 300ms']);
    expect(data.partitions).toEqual([{ id: '1', startUs: 1_000_000, endUs: 1_400_000, description: 'isolate n2', lanes: [1] }]);
    expect(data.marks.filter((m) => m[2] === 'crash' || m[2] === 'restart').map((m) => m[2])).toEqual(['crash', 'restart']);
    const m = lost.result.messages;
    expect(data.omitted.messages).toBe(0);
    // Every node message, request and reply is an arrow (duplicates would add one each).
    expect(data.arrows.length).toBe(m.messagesSent + lost.result.ops.invoked + data.arrows.filter((a) => data.types[a[4]]!.startsWith('reply:')).length);
    expect(data.arrows.filter((a) => a[5] === 1)).toHaveLength(m.messagesDropped);
    expect(data.ops).toHaveLength(lost.result.ops.invoked);
    expect(new Set(data.ops.map((o) => o[4]))).toEqual(new Set(['ok']));
  });

  it('highlights the lost values: the broadcasts that introduced them and the drops that lost them', () => {
    const check = lost.result.checks.find((c) => c.name === 'broadcast-delivered')!;
    expect(check.verdict).toBe('fail');
    const missing = check.evidence as Array<{ node: string; values: number[] }>;
    const missingValues = new Set(missing.flatMap((m) => m.values));
    expect(highlightedOps(data).map((s) => Number(s.split(' ')[2]))).toEqual([...missingValues].sort((a, b) => a - b));
    const dropped = data.arrows.filter((a) => a[8] === 1);
    expect(dropped.length).toBeGreaterThan(0);
    for (const a of dropped) {
      expect(a[5]).toBe(1);
      const to = data.lanes[a[1]]!.id;
      const carried = (JSON.parse(a[7]) as { values: number[] }).values;
      expect(carried.some((v) => missing.find((m) => m.node === to)!.values.includes(v))).toBe(true);
    }
    expect(data.lanes.filter((l) => l.highlighted).map((l) => l.id)).toEqual(missing.map((m) => m.node).sort());
    expect(data.violations).toEqual([{ timeUs: null, name: 'broadcast-delivered', message: check.detail, source: 'check' }]);
    expect(data.focus).not.toBeNull();
  });

  it('finds ops in evidence of other shapes: durable, liveness, linearizability', () => {
    const ops = opsOf(lost);
    const [a, c] = [ops[2]!, ops[9]!];
    // Liveness evidence names a process's op without its time: the process's last op is the one.
    const b = ops.filter((op) => op.process === ops[5]!.process).pop()!;
    const durable = buildReportData({ ...lost, result: withChecks(lost, [{ name: 'durable', verdict: 'fail', detail: 'lost', evidence: [{ key: 'k', finalValue: null, lostWrite: { process: a.process, f: a.f, value: a.input, completedUs: a.completeTimeUs } }] }]) });
    expect(highlightedOps(durable)).toEqual([`p${a.process} ${a.f} ${JSON.stringify(a.input)}`]);

    const liveness = buildReportData({ ...lost, result: withChecks(lost, [{ name: 'liveness', verdict: 'fail', detail: 'stuck', evidence: [{ process: b.process, f: b.f, outcome: b.outcome, error: 'timeout at n2' }] }]) });
    expect(highlightedOps(liveness)).toEqual([`p${b.process} ${b.f} ${JSON.stringify(b.input)}`]);

    const linear = buildReportData({ ...lost, result: withChecks(lost, [{ name: 'linearizable', verdict: 'fail', detail: 'no', evidence: [{ partition: 0, operations: 3, longestPrefix: [a], stateAfterPrefix: '{}', cannotPlace: [{ op: b, why: 'rejected' }], blockedBy: c }] }]) });
    // The longest good prefix is context, not the culprit.
    expect(highlightedOps(linear).sort()).toEqual([b, c].map((op) => `p${op.process} ${op.f} ${JSON.stringify(op.input)}`).sort());
  });

  it('marks an invariant violation at its time, with its nodes and the leaders of that term', () => {
    const roleEvents: TraceEvent[] = [
      { i: 1, t: 100_000, kind: 'role', node: 'n1', role: 'leader' },
      { i: 2, t: 150_000, kind: 'role', node: 'n3', role: 'leader' },
      { i: 3, t: 200_000, kind: 'role', node: 'n2', role: 'leader' },
      { i: 4, t: 200_000, kind: 'note', node: 'n2', event: 'became leader', data: { term: 3 } },
      { i: 5, t: 250_000, kind: 'violation', name: 'election-safety', message: 'two leaders in term 3: n1 and n2' },
    ];
    const events = [...roleEvents, ...lost.events].sort((x, y) => x.t - y.t);
    const finding: Finding = { kind: 'invariant', name: 'election-safety', message: 'two leaders in term 3: n1 and n2', timeUs: 250_000, eventIndex: 5, seed: '3' };
    const data = buildReportData({ events, result: withChecks(lost, [{ name: 'election-safety', verdict: 'fail', detail: finding.message, evidence: finding }], { findings: [finding] }) });
    expect(data.violations).toEqual([{ timeUs: 250_000, name: 'election-safety', message: finding.message, source: 'trace' }]);
    expect(data.lanes.filter((l) => l.highlighted).map((l) => l.id)).toEqual(['n1', 'n2']);
    expect(data.roles.filter((r) => r[4] === 1).map((r) => data.lanes[r[0]]!.id)).toEqual(['n1', 'n2']);
    expect(data.marks.some((m) => m[2] === 'note' && m[4] === 1 && m[3].includes('became leader'))).toBe(true);
    expect(data.highlights).toContain('term 3');
    expect(data.focus!.startUs).toBeLessThanOrEqual(250_000);
    expect(data.focus!.endUs).toBeGreaterThanOrEqual(250_000);
  });

  it('says when the trace was cut short', () => {
    const short = recordRun(lostFixture, 50);
    expect(short.truncated).toBe(true);
    const html = renderRunHtml(short);
    expect(html).toContain('the trace was cut short after 50 events');
    expect(reportDataOf(html).ops).toHaveLength(lost.result.ops.invoked); // ops come from the history
  });
});

describe('HTML report: several services', () => {
  it('labels each node lane with its group', () => {
    const run = recordRun('scenarios/coordination/lock-fenced-pause.yaml');
    const lanes = buildReportData(run).lanes.filter((l) => /^n\d+$/.test(l.id));
    expect(lanes.map((l) => `${l.group} ${l.id}`)).toEqual(['coord n1', 'coord n2', 'coord n3', 'store n4', 'clients n5', 'clients n6', 'clients n7']);
    expect(buildReportData(partition).lanes.some((l) => l.group !== undefined)).toBe(false);
  });
});

describe('HTML report: big runs are sampled', () => {
  it('caps the arrows, counts what it left out per type, and keeps the evidence', () => {
    const data = buildReportData({ ...partition, limits: { maxArrows: 1_000, maxOps: 300 } });
    expect(data.omitted.messagesTotal).toBeGreaterThan(20_000);
    expect(new Set(data.arrows.map((a) => a[9])).size).toBe(1_000);
    expect(data.omitted.messages).toBe(data.omitted.messagesTotal - 1_000);
    expect(Object.values(data.omitted.byType).reduce((x, y) => x + y, 0)).toBe(data.omitted.messages);
    expect(data.ops).toHaveLength(300);
    expect(data.omitted.ops).toBe(partition.result.ops.invoked - 300);
    // Sampling is even: the kept arrows span the run.
    const times = data.arrows.map((a) => a[2]);
    expect(Math.min(...times)).toBeLessThan(500_000);
    expect(Math.max(...times)).toBeGreaterThan(9_000_000);
    // The density strip still counts every message.
    expect(data.density.sent.reduce((x, y) => x + y, 0)).toBe(data.omitted.messagesTotal);
    const html = renderRunHtml({ ...partition, limits: { maxArrows: 1_000 } });
    expect(html).toMatch(/Sampled for size: [\d,]+ of [\d,]+ messages not drawn as arrows \(gossip [\d,]+/);
  });

  it('chooseMessages keeps highlighted messages, the neighbourhood of the focus, then evenly', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({ sendUs: i * 10, highlighted: i === 7_777 || i === 3 }));
    const kept = chooseMessages(records, [50_000], 1_000);
    expect(kept).toHaveLength(1_000);
    expect(kept).toContain(records[7_777]);
    expect(kept).toContain(records[3]);
    const times = kept.map((r) => r.sendUs);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    // Half the budget goes to the messages nearest the focus: all of 47.5ms..52.5ms is kept.
    for (let i = 4_760; i < 5_240; i++) expect(kept).toContain(records[i]);
    // The rest is spread out: every tenth of the run has some.
    for (let decile = 0; decile < 10; decile++) expect(kept.some((r) => r.sendUs >= decile * 10_000 && r.sendUs < (decile + 1) * 10_000)).toBe(true);
    expect(chooseMessages(records.slice(0, 10), [], 1_000)).toHaveLength(10);
  });

  it('sampleEvenly prefers what it is told to, stays in order and within the cap', () => {
    const items = Array.from({ length: 1_000 }, (_, i) => i);
    const kept = sampleEvenly(items, 100, (i) => i % 97 === 0);
    expect(kept).toHaveLength(100);
    for (let i = 0; i < 1_000; i += 97) expect(kept).toContain(i);
    expect(kept).toEqual([...kept].sort((x, y) => x - y));
  });

  it('orders lanes naturally', () => {
    expect(['n10', 'c2', 'n2', 'n1', 'c10'].sort(naturalCompare)).toEqual(['c2', 'c10', 'n1', 'n2', 'n10']);
  });
});

describe('short (bounded JSON for hover text)', () => {
  it('matches JSON.stringify when it fits, and cuts long values without walking them whole', () => {
    const value = { type: 'gossip', values: [1, 2, 3], nested: { s: 'a"b', n: null, skip: undefined }, set: new Set([1]), map: new Map([['k', 2]]) };
    expect(short(value, 1_000)).toBe('{"type":"gossip","values":[1,2,3],"nested":{"s":"a\\"b","n":null},"set":[1],"map":{"k":2}}');
    const huge = Array.from({ length: 1_000_000 }, (_, i) => i);
    const started = performance.now();
    const text = short({ seen: huge }, 50);
    expect(performance.now() - started).toBeLessThan(50);
    expect(text).toHaveLength(50);
    expect(text.startsWith('{"seen":[0,1,2,3,')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(short(cyclic, 100)).toBe('{"a":1,"self":"[…]"}');
  });
});

describe('HTML report: checks built on timed violations', () => {
  it('an `invariants` check failing on a finding is marked at the finding, not again at the end', () => {
    const finding: Finding = { kind: 'invariant', name: 'log-matching', message: 'n1 and n2 differ at index 7', node: 'n2', timeUs: 1_200_000, eventIndex: 40, seed: '3' };
    const violation: TraceEvent = { i: 40, t: 1_200_000, kind: 'violation', name: 'log-matching', message: finding.message };
    const events = [...lost.events, violation].sort((x, y) => x.t - y.t);
    const data = buildReportData({ events, result: withChecks(lost, [{ name: 'invariants', verdict: 'fail', detail: 'log-matching broke', evidence: [finding] }], { findings: [finding] }) });
    expect(data.violations).toEqual([{ timeUs: 1_200_000, name: 'log-matching', message: finding.message, source: 'trace' }]);
    expect(data.lanes.filter((l) => l.highlighted).map((l) => l.id)).toEqual(['n1', 'n2']);
  });
});
