/**
 * The HTML report of one run: a single self-contained page (inline CSS and script, no network)
 * with a space-time diagram of the run, its faults, client ops, verdicts and the violating
 * evidence highlighted. See docs/REPORTS.md.
 *
 * Safety: every string from the run is data. The summary is rendered here through `escapeHtml`;
 * the diagram's data is embedded as JSON in a `<script type="application/json">` block with
 * `<`, `>`, `&` and line separators escaped, and the page script builds its DOM with textContent.
 */
import { formatUs } from '../core/time.js';
import { CSP_META, escapeHtml } from './escape.js';
import { CLIENT_CSS, CLIENT_JS } from './html-client.js';
import { buildReportData, type ReportData, type ReportInput } from './html-model.js';
import { ISOLATION_CSS, transactionsSection } from './isolation-html.js';
import type { EvidenceTable } from './evidence-table.js';
import type { LinearizationView } from './linearization.js';
import { jsonText } from '../core/short-json.js';

export { buildReportData, DEFAULT_LIMITS, isReportEvent, type ReportData, type ReportInput, type ReportLimits } from './html-model.js';

/** Renders a run as one self-contained HTML page (with the transactional view for transactional runs). */
export function renderRunHtml(input: ReportInput): string {
  return renderReportHtml(buildReportData(input), transactionsSection(input.result.checks));
}

export { escapeHtml };

/**
 * JSON safe inside a `<script>` element: no `</script>`, `<!--` or `]]>` can form, and the line
 * separators U+2028/U+2029 cannot break older parsers.
 */
export function jsonForScript(value: unknown): string {
  return jsonText(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A check's evidence as a table (a convergence diff, records, fields). */
function renderEvidenceTable(table: EvidenceTable): string {
  const e = escapeHtml;
  const head = table.columns.map((c) => `<th>${e(c)}</th>`).join('');
  const rows = table.rows.map((r) => `<tr>${r.map((c) => `<td${c === '(missing)' ? ' class="missing"' : ''}>${e(c)}</td>`).join('')}</tr>`).join('');
  return `<table class="evidence-table"><caption>${e(table.caption)}</caption><tr>${head}</tr>${rows}</table>${table.more > 0 ? `<p class="more">… ${table.more} more</p>` : ''}`;
}

/** The linearization found so far, and each op that cannot follow it, with why. */
function renderLinearization(v: LinearizationView): string {
  const e = escapeHtml;
  const show = (t: number | null): string => (t === null ? '' : ` <button type="button" data-goto="${t}">show</button>`);
  const label = { prefix: '', conflict: 'changed the state it needs', accepted: 'left the state it needs' } as const;
  const skipped = (n: number, first: boolean): string =>
    n === 0 ? '' : `<tr class="lin-more"><td colspan="6">… ${n === 1 ? '1 op' : `${n} ops`} of the linearization not shown${first ? ` (the state at the start: ${e(v.initialState)})` : ''}</td></tr>`;
  const rows = v.rows
    .map(
      (r, i) =>
        `${skipped(r.skippedBefore, i === 0)}<tr class="lin-${r.role}" data-role="${r.role}" data-position="${r.position}"><td>#${r.position}</td><td>${e(r.client)}</td><td class="op">${e(r.op)}</td><td>${e(r.returned)}</td><td>${e(r.stateAfter)}</td><td>${e(label[r.role])}${show(r.timeUs)}</td></tr>`,
    )
    .join('');
  const last = v.rows[v.rows.length - 1]?.position ?? 0;
  const stuck = v.stuck
    .map((s) => `<tr class="lin-stuck" data-role="stuck"><td>✗</td><td>${e(s.client)}</td><td class="op">${e(s.op)}</td><td>${e(s.returned)}</td><td colspan="2">cannot follow: ${e(s.why)}${show(s.timeUs)}</td></tr>`)
    .join('');
  return (
    `<h2 id="linearization-title">Why ${e(v.check)} fails${v.key === null ? '' : ` on key ${e(v.key)}`}</h2>` +
    `<p class="lin-summary">The checker linearized ${v.prefixLength} ops (the longest order that respects real time and the model), ending in state <b>${e(v.stateAfterPrefix)}</b>; no remaining op can go next. Numbered bars on the client lanes are this order; red, what cannot follow; orange, what it conflicts with.</p>` +
    `<table class="linearization" id="linearization"><tr><th>#</th><th>client</th><th>op</th><th>returned</th><th>state after</th><th></th></tr>${rows}${skipped(v.prefixLength - last, v.rows.length === 0)}${stuck}</table>`
  );
}

/** `extra`: sections (trusted HTML, already escaped) placed after the summary. */
export function renderReportHtml(data: ReportData, extra = ''): string {
  const m = data.meta;
  const e = escapeHtml;
  const title = `dsim: ${m.scenario} (seed ${m.seed})`;
  const checks = data.checks
    .map(
      (c) =>
        `<tr class="check" data-check="${e(c.name)}" data-verdict="${e(c.verdict)}"><td class="verdict verdict-${e(c.verdict)}">${c.verdict === 'pass' ? '✓ pass' : c.verdict === 'fail' ? '✗ fail' : '? unknown'}</td><td><b>${e(c.name)}</b></td><td>${e(c.detail)}${
          c.table === null ? '' : renderEvidenceTable(c.table)
        }${c.evidence === null ? '' : `<details class="evidence"><summary>evidence as JSON</summary><pre>${e(c.evidence)}</pre></details>`}</td></tr>`,
    )
    .join('\n');
  const violations = data.violations
    .map(
      (v) =>
        `<li class="violation" data-name="${e(v.name)}">${e(v.name)}${v.timeUs === null ? ' (judged at the end)' : ` at ${e(formatUs(v.timeUs))}`}: ${e(v.message)}${
          v.timeUs === null ? '' : ` <button type="button" data-goto="${v.timeUs}">show</button>`
        }</li>`,
    )
    .join('\n');
  const o = data.omitted;
  const omittedParts: string[] = [];
  if (o.messages > 0) {
    const byType = Object.entries(o.byType)
      .slice(0, 12)
      .map(([type, count]) => `${type} ${count.toLocaleString('en-US')}`)
      .join(', ');
    omittedParts.push(`${o.messages.toLocaleString('en-US')} of ${o.messagesTotal.toLocaleString('en-US')} messages not drawn as arrows (${byType}); the density strip above the lanes counts all of them`);
  }
  if (o.ops > 0) omittedParts.push(`${o.ops.toLocaleString('en-US')} of ${o.opsTotal.toLocaleString('en-US')} client ops not drawn`);
  if (o.notes > 0) omittedParts.push(`${o.notes.toLocaleString('en-US')} of ${o.notesTotal.toLocaleString('en-US')} notes not drawn`);
  if (m.truncated) omittedParts.push(`the trace was cut short after ${m.traceEvents.toLocaleString('en-US')} events: later messages, roles and notes are missing (ops and verdicts are complete)`);
  const omitted = omittedParts.length === 0 ? '' : `<p class="omitted" id="omitted">Sampled for size: ${e(omittedParts.join('; '))}.</p>`;
  const highlights = data.highlights.length === 0 ? '' : `<h2>Highlighted in red</h2><ul class="highlights">${data.highlights.map((h) => `<li>${e(h)}</li>`).join('')}</ul>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${CSP_META}
<title>${e(title)}</title>
<style>${CLIENT_CSS}${extra === '' ? '' : ISOLATION_CSS}</style>
</head>
<body>
<header>
<h1><bdi>${e(m.scenario)}</bdi> <span class="result-${e(m.expectation)}" id="expectation">${e(m.expectation.toUpperCase())}</span></h1>
<div class="meta"><b>${e(m.protocol)}</b>${m.flaws.length > 0 ? ` with flaws <b>${e(m.flaws.join(', '))}</b>` : ''} · seed <b>${e(m.seed)}</b> · expected ${e(m.expected)} · ${e(formatUs(m.endUs))} virtual · ${m.kernelEvents.toLocaleString('en-US')} events · trace ${e(m.traceHash)} · ${e(m.file)}</div>
<div class="meta">messages: ${e(m.messages)} · ops: ${e(m.ops)}</div>
</header>
<section class="summary">
<div><h2>Checks</h2><table class="checks">${checks}</table>${data.linearization === null ? '' : renderLinearization(data.linearization)}</div>
<div>${data.violations.length > 0 ? `<h2>Violations</h2><ul class="violations">${violations}</ul>` : '<h2>Violations</h2><p>none</p>'}${highlights}<ul class="highlights" id="evidence-items"></ul></div>
</section>
${extra}
${omitted}
<div class="toolbar">
<div class="group"><button type="button" id="zoom-in" title="zoom in (+, wheel)">+</button><button type="button" id="zoom-out" title="zoom out (-)">−</button><button type="button" id="pan-left" title="pan left (←, drag)">◀</button><button type="button" id="pan-right" title="pan right (→, drag)">▶</button><button type="button" id="zoom-fit" title="whole run (0)">fit</button><button type="button" id="zoom-violation" title="zoom to the violation (v)">violation</button><span id="view-label"></span></div>
<div class="group" id="filter-lanes"><b>lanes</b></div>
<div class="group" id="filter-types"><b>messages</b></div>
<div class="group" id="filter-show"><b>show</b></div>
</div>
<div id="chart"><div id="labels"></div><canvas id="canvas"></canvas></div>
<div id="tip" role="tooltip"></div>
<footer>
<div class="legend">
<span>wheel: zoom · drag: pan · hover: details · keys + − 0 ← → v</span>
<span>▬ role (gold leader/primary, orange candidate)</span>
<span>✂ hatched purple: partition</span>
<span>hatched grey: crashed</span>
<span>blue: paused</span>
<span>✕ crash ↻ restart ‖ pause ▶ resume ● start ± clock skew ⚑ command; ticks: notes</span>
<span>× dropped message</span>
<span>ops: green ok, orange fail, purple info</span>
<span>red: the violation and its evidence</span>
<span>top strip: every message per time slice (grey sent, orange dropped)</span>
</div>
</footer>
<script type="application/json" id="dsim-data">${jsonForScript(data)}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}
