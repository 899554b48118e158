/**
 * A linearizability verdict as one self-contained HTML page (no network, inline CSS and a few
 * lines of JS): a lane per client process, each op a bar over time (or over history position when
 * the history has no times), colored by outcome; the longest linearizable prefix numbered in
 * linearization order and the ops that cannot go next highlighted — the view Porcupine made
 * popular. Hovering (or focusing) a bar shows the op's details. Pure: data in, string out.
 *
 * Every piece of history data is HTML-escaped; the page's script contains no data at all.
 */
import type { Operation } from '../core/history.js';
import { formatUs } from '../core/time.js';
import type { LinearizabilityResult, PartitionEvidence } from '../checkers/linearizability/index.js';
import { describeOperation, showValue } from '../checkers/linearizability/index.js';
import { CSP_META, escapeHtml } from './escape.js';

export interface LinearizabilityHtmlInput {
  readonly title: string;
  readonly modelName: string;
  readonly operations: readonly Operation[];
  readonly result: LinearizabilityResult;
  /** One-line description of an op; default `read() -> 3` style. */
  readonly describeOp?: (op: Operation) => string;
}

export { escapeHtml };

interface Role {
  /** 1-based position in the longest linearizable prefix. */
  readonly order?: number;
  readonly stuck?: 'rejected' | 'dead-end';
  readonly blocking?: boolean;
}

interface Axis {
  readonly useTime: boolean;
  readonly start: number;
  readonly end: number;
  at(op: Operation): { from: number; to: number; open: boolean };
  label(x: number): string;
}

function makeAxis(ops: readonly Operation[]): Axis {
  const useTime = ops.length > 0 && ops.every((op) => op.invokeTimeUs !== undefined && (op.completeIndex === Infinity || op.completeTimeUs !== undefined));
  let start = Infinity;
  let last = -Infinity;
  for (const op of ops) {
    const from = useTime ? op.invokeTimeUs! : op.invokeIndex;
    start = Math.min(start, from);
    last = Math.max(last, from);
    const to = useTime ? op.completeTimeUs : op.completeIndex === Infinity ? undefined : op.completeIndex;
    if (to !== undefined) last = Math.max(last, to);
  }
  if (!Number.isFinite(start)) {
    start = 0;
    last = 1;
  }
  // Room after the last event, where open (info) ops run on.
  const end = last + Math.max(1, (last - start) * 0.03);
  return {
    useTime,
    start,
    end,
    at(op) {
      const from = useTime ? op.invokeTimeUs! : op.invokeIndex;
      const open = op.completeIndex === Infinity || op.outcome === 'info';
      const to = open ? end : useTime ? op.completeTimeUs! : op.completeIndex;
      return { from, to, open };
    },
    label(x) {
      return useTime ? formatUs(Math.round(x)) : `#${Math.round(x)}`;
    },
  };
}

function pct(axis: Axis, x: number): number {
  return ((x - axis.start) / (axis.end - axis.start)) * 100;
}

function opDetails(op: Operation, describe: string, role: Role | undefined): string {
  const rows: [string, string][] = [
    ['op', describe],
    ['process', String(op.process)],
    ['f', op.f],
  ];
  if (op.key !== undefined) rows.push(['key', JSON.stringify(op.key)]);
  rows.push(['input', showValue(op.input)]);
  rows.push(['outcome', op.completeIndex === Infinity && op.outcome === 'info' ? 'info (may take effect any time after invoke, or never)' : op.outcome]);
  if (op.outcome === 'ok') rows.push(['output', showValue(op.output)]);
  rows.push(['invoke', `event ${op.invokeIndex}${op.invokeTimeUs === undefined ? '' : ` at ${formatUs(op.invokeTimeUs)}`}`]);
  if (op.completeIndex !== Infinity) rows.push(['complete', `event ${op.completeIndex}${op.completeTimeUs === undefined ? '' : ` at ${formatUs(op.completeTimeUs)}`}`]);
  if (op.error !== undefined) rows.push(['error', op.error]);
  if (op.node !== undefined) rows.push(['node', op.node]);
  if (role?.order !== undefined) rows.push(['linearized', `#${role.order} of the longest linearizable prefix`]);
  if (role?.stuck !== undefined) rows.push(['cannot go next', role.stuck === 'rejected' ? 'the model rejects it after the prefix' : 'fits after the prefix, but leads only to dead ends']);
  if (role?.blocking === true) rows.push(['blocks', 'completed before later ops were invoked: had to be placed by then']);
  return rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('');
}

function renderTimeline(ops: readonly Operation[], describe: (op: Operation) => string, roles: ReadonlyMap<Operation, Role>): string {
  const axis = makeAxis(ops);
  const processes = [...new Set(ops.map((op) => op.process))].sort((a, b) => a - b);
  const ticks: string[] = [];
  const TICKS = 6;
  for (let i = 0; i <= TICKS; i++) {
    const x = axis.start + ((axis.end - axis.start) * i) / TICKS;
    ticks.push(`<span class="tick" style="left:${((i / TICKS) * 100).toFixed(3)}%">${escapeHtml(axis.label(x))}</span>`);
  }
  const lanes = processes.map((process) => {
    const bars = ops
      .filter((op) => op.process === process)
      .map((op) => {
        const { from, to, open } = axis.at(op);
        const left = pct(axis, from);
        const width = Math.max(0.2, pct(axis, to) - left);
        const role = roles.get(op);
        const classes = ['op', op.outcome];
        if (open) classes.push('open');
        if (role?.order !== undefined) classes.push('prefix');
        if (role?.stuck !== undefined) classes.push('stuck');
        if (role?.blocking === true) classes.push('blocking');
        const text = describe(op);
        const badge = role?.order === undefined ? '' : `<b class="badge">${role.order}</b>`;
        return (
          `<div class="${classes.join(' ')}" tabindex="0" style="left:${left.toFixed(4)}%;width:${width.toFixed(4)}%">` +
          `${badge}<span class="label">${escapeHtml(text)}</span>` +
          `<table class="tip">${opDetails(op, text, role)}</table></div>`
        );
      })
      .join('');
    return `<div class="lane"><div class="who">p${process}</div><div class="track">${bars}</div></div>`;
  });
  return (
    `<div class="scroll"><div class="timeline"><div class="lane axis"><div class="who">${axis.useTime ? 'time' : 'event'}</div><div class="track">${ticks.join('')}</div></div>` +
    `${lanes.join('')}</div></div>`
  );
}

function rolesFor(evidence: PartitionEvidence): Map<Operation, Role> {
  const roles = new Map<Operation, Role>();
  evidence.longestPrefix.forEach((op, k) => roles.set(op, { order: k + 1 }));
  for (const stuck of evidence.cannotPlace) roles.set(stuck.op, { ...roles.get(stuck.op), stuck: stuck.why });
  roles.set(evidence.blockedBy, { ...roles.get(evidence.blockedBy), blocking: true });
  return roles;
}

function renderEvidence(evidence: PartitionEvidence, all: readonly Operation[], describe: (op: Operation) => string, partitioned: boolean): string {
  const ops = evidence.key === undefined ? all : all.filter((op) => op.key === evidence.key);
  const heading = partitioned
    ? `Violation in partition ${evidence.partition}${evidence.key === undefined ? '' : ` — key ${JSON.stringify(evidence.key)}`}`
    : 'Violation';
  const prefixItems = evidence.longestPrefix.map((op) => `<li>${escapeHtml(`p${op.process}: ${describe(op)}`)}</li>`).join('');
  const stuckItems = evidence.cannotPlace
    .map(
      (s) =>
        `<li class="stuck-item">${escapeHtml(`p${s.op.process}: ${describe(s.op)}`)} — ${
          s.why === 'rejected' ? 'the model rejects it' : 'fits, but leads only to dead ends'
        }</li>`,
    )
    .join('');
  const blocking =
    evidence.cannotPlace.some((c) => c.op === evidence.blockedBy)
      ? ''
      : `<p>It had to be placed by the time this op completed: <span class="blocking-item">${escapeHtml(`p${evidence.blockedBy.process}: ${describe(evidence.blockedBy)}`)}</span></p>`;
  return (
    `<section><h2>${escapeHtml(heading)}</h2>` +
    `<p>The longest linearizable prefix has <b>${evidence.longestPrefix.length}</b> of ${evidence.operations} ops ` +
    `(numbered bars). After it the state is <code>${escapeHtml(evidence.stateAfterPrefix)}</code>, and no op can go next (red bars).</p>` +
    renderTimeline(ops, describe, rolesFor(evidence)) +
    `<details><summary>Longest linearizable prefix, in order (${evidence.longestPrefix.length})</summary><ol>${prefixItems}</ol></details>` +
    `<h3>Cannot go next</h3><ul>${stuckItems || '<li>(no candidate: nothing was invoked yet)</li>'}</ul>${blocking}</section>`
  );
}

const CSS = `
:root { --zoom: 1; font-family: system-ui, sans-serif; color: #1d2330; }
body { margin: 1.2rem; }
h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 .4rem; }
h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
.verdict { display: inline-block; padding: .15rem .6rem; border-radius: .3rem; font-weight: 600; color: #fff; }
.verdict.linearizable { background: #2f8f46; } .verdict.not-linearizable { background: #c0392b; } .verdict.unknown { background: #8a6d1d; }
.stats { color: #555; margin: .4rem 0 .8rem; }
.legend span { display: inline-block; margin-right: 1rem; font-size: .85rem; }
.legend i { display: inline-block; width: 1.6rem; height: .8rem; vertical-align: middle; margin-right: .3rem; border-radius: 2px; }
.controls { margin: .6rem 0; font-size: .85rem; }
.scroll { overflow-x: auto; border: 1px solid #ddd; padding: .3rem 0 1rem; }
.timeline { width: calc(var(--zoom) * 100%); min-width: 600px; }
.lane { display: flex; align-items: stretch; height: 24px; border-bottom: 1px solid #f0f0f0; }
.lane.axis { height: 20px; border-bottom: 1px solid #bbb; }
.who { flex: 0 0 3.5rem; font-size: .75rem; color: #666; padding: 4px .3rem; position: sticky; left: 0; background: #fff; z-index: 3; }
.track { position: relative; flex: 1 1 auto; margin-right: 1rem; }
.tick { position: absolute; top: 2px; font-size: .7rem; color: #777; transform: translateX(-50%); white-space: nowrap; }
.op { position: absolute; top: 3px; height: 17px; border-radius: 3px; box-sizing: border-box; overflow: visible; cursor: default;
  font-size: .7rem; line-height: 17px; white-space: nowrap; border: 1px solid rgba(0,0,0,.25); }
.op .label { display: block; overflow: hidden; text-overflow: ellipsis; padding: 0 3px; }
.op.ok { background: #bfe3c6; } .op.fail { background: #d9d9d9; color: #666; }
.op.info { background: repeating-linear-gradient(45deg, #f6dfa4, #f6dfa4 4px, #fbf0d2 4px, #fbf0d2 8px); }
.op.prefix { border: 2px solid #2c5fa8; } .op.stuck { background: #f3b3ab; border: 2px solid #c0392b; }
.op.blocking { outline: 2px dashed #c0392b; outline-offset: 1px; }
.badge { position: absolute; left: -2px; top: -9px; font-size: .6rem; background: #2c5fa8; color: #fff; border-radius: 6px; padding: 0 3px; line-height: 11px; z-index: 2; }
.tip { display: none; position: absolute; top: 20px; left: 0; z-index: 10; background: #fff; border: 1px solid #999; box-shadow: 0 2px 8px rgba(0,0,0,.2);
  font-size: .75rem; border-collapse: collapse; white-space: normal; min-width: 18rem; max-width: 32rem; }
.tip th { text-align: left; padding: 2px 6px; color: #555; vertical-align: top; white-space: nowrap; } .tip td { padding: 2px 6px; word-break: break-all; }
.op:hover .tip, .op:focus .tip { display: table; }
.op:hover, .op:focus { z-index: 9; }
.stuck-item, .blocking-item { color: #a3271b; }
code { background: #f3f3f3; padding: 0 .25rem; }
`;

/** Zoom only: the page works without it. No data is ever interpolated into this script. */
const SCRIPT = `
document.getElementById('zoom').addEventListener('input', function (e) {
  document.documentElement.style.setProperty('--zoom', String(e.target.value));
});
`;

export function renderLinearizabilityHtml(input: LinearizabilityHtmlInput): string {
  const { result, operations } = input;
  const describe = input.describeOp ?? ((op: Operation) => describeOperation(op));
  const s = result.stats;
  const verdictText = result.kind === 'linearizable' ? 'linearizable' : result.kind === 'not-linearizable' ? 'not linearizable' : 'unknown';
  const stats =
    `${s.operations} ops (ok ${s.ok}, fail ${s.failed}, info ${s.indeterminate}) · model ${input.modelName} · ` +
    `${s.partitionsChecked} of ${s.partitions} partitions checked · ${s.steps} search steps`;
  let body: string;
  switch (result.kind) {
    case 'not-linearizable':
      body = result.evidence.map((e) => renderEvidence(e, operations, describe, s.partitions > 1)).join('');
      break;
    case 'unknown':
      body = `<section><p>Inconclusive: ${escapeHtml(result.reason)}</p>${renderTimeline(operations, describe, new Map())}</section>`;
      break;
    case 'linearizable':
      body = `<section>${renderTimeline(operations, describe, new Map())}</section>`;
      break;
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${CSP_META}
<title>${escapeHtml(input.title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<div><span class="verdict ${result.kind}">${escapeHtml(verdictText)}</span></div>
<p class="stats">${escapeHtml(stats)}</p>
<div class="legend"><span><i style="background:#bfe3c6"></i>ok</span><span><i style="background:#d9d9d9"></i>fail (never took effect)</span>
<span><i style="background:#f6dfa4"></i>info (indeterminate, runs to the end)</span><span><i style="border:2px solid #2c5fa8"></i>in the longest linearizable prefix</span>
<span><i style="background:#f3b3ab;border:2px solid #c0392b"></i>cannot go next</span></div>
<div class="controls"><label>zoom <input id="zoom" type="range" min="1" max="30" step="0.5" value="1"></label> · hover a bar for details</div>
${body}
<script>${SCRIPT}</script>
</body></html>
`;
}
