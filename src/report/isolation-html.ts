/**
 * The transactional view: what the isolation checker found, drawn. Each anomaly's cycle is an
 * SVG ring of its transactions with an arrow per dependency (ww, wr, rw, process, realtime), the
 * transactions listed beside it and every edge explained in a sentence. Pure string builders, no
 * script: `renderIsolationSection` is a fragment the run report embeds; `renderIsolationHtml` is
 * the standalone page of `dsim check --model list-append --html`.
 *
 * Safety: every string from the history goes through `escapeHtml`.
 */
import type { Anomaly, IsolationResult, TxnRef } from '../checkers/isolation/index.js';
import { meaningOf, weakestViolatedBy } from '../checkers/isolation/index.js';
import { formatUs } from '../core/time.js';
import { CSP_META, escapeHtml } from './escape.js';

/** Examples drawn per anomaly type. */
const DRAWN_PER_TYPE = 3;

const EDGE_COLOURS: Readonly<Record<string, string>> = {
  ww: '#b45309',
  wr: '#1d4ed8',
  rw: '#b91c1c',
  process: '#6b7280',
  realtime: '#7c3aed',
};

export const ISOLATION_CSS = `
.txn-view{font:14px/1.45 system-ui,sans-serif;color:#111}
.txn-view h2{font-size:17px;margin:18px 0 6px}
.txn-view h3{font-size:15px;margin:14px 0 4px}
.txn-view .verdict-valid{color:#166534;font-weight:600}
.txn-view .verdict-invalid{color:#b91c1c;font-weight:600}
.txn-view table{border-collapse:collapse;margin:6px 0}
.txn-view td,.txn-view th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.txn-view .anomaly{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start;border:1px solid #e5e7eb;border-radius:6px;padding:10px;margin:8px 0}
.txn-view .anomaly svg{flex:none;background:#fafafa;border-radius:6px}
.txn-view .txns code{font:12px ui-monospace,monospace}
.txn-view ol.steps{margin:6px 0;padding-left:20px}
.txn-view .kind{font:11px ui-monospace,monospace;padding:0 4px;border-radius:3px;color:#fff}
.txn-view .allowed{color:#6b7280}
`;

export interface IsolationViewInput {
  readonly result: IsolationResult;
  /** Heading of the section (the run report names the check). */
  readonly heading?: string;
}

/** The view as an HTML fragment (a `<section class="txn-view">`). */
export function renderIsolationSection(input: IsolationViewInput): string {
  const r = input.result;
  const e = escapeHtml;
  const s = r.stats;
  const edges = Object.entries(s.edges)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${kind} ${n.toLocaleString('en-US')}`)
    .join(', ');
  const counts = r.anomalyTypes
    .map((t) => `<tr data-anomaly="${e(t)}"><td><b>${e(t)}</b></td><td>${(r.counts[t] ?? 0).toLocaleString('en-US')}</td><td>${e(weakestViolatedBy(t))}</td><td>${e(meaningOf(t))}</td></tr>`)
    .join('');
  const sections = r.anomalyTypes
    .map((type) => {
      const examples = r.anomalies.filter((a) => a.type === type).slice(0, DRAWN_PER_TYPE);
      return `<h3>${e(type)} <span class="allowed">${(r.counts[type] ?? 0).toLocaleString('en-US')} found</span></h3>${examples.map(renderAnomaly).join('')}`;
    })
    .join('');
  const verdict = r.valid
    ? `<span class="verdict-valid" id="txn-verdict">valid under ${e(r.consistency)}</span>`
    : `<span class="verdict-invalid" id="txn-verdict">not ${e(r.consistency)}</span>`;
  return `<section class="txn-view">
<h2>${e(input.heading ?? 'Transactions')}: ${verdict}</h2>
<p>model ${e(r.model)} · ${s.txns.toLocaleString('en-US')} transactions (ok ${s.ok.toLocaleString('en-US')}, fail ${s.fail.toLocaleString('en-US')}, info ${s.info.toLocaleString('en-US')}) · dependencies: ${e(edges || 'none')} · ${s.cyclicComponents} cyclic component(s)${
    r.weakestViolated !== undefined ? ` · weakest model violated: <b>${e(r.weakestViolated)}</b>` : ''
  }</p>
${r.anomalyTypes.length === 0 ? '<p>No anomalies.</p>' : `<table class="anomaly-counts"><tr><th>anomaly</th><th>found</th><th>violates</th><th>meaning</th></tr>${counts}</table>${sections}`}
</section>`;
}

function renderAnomaly(a: Anomaly): string {
  const e = escapeHtml;
  const txns = uniqueTxns(a.txns);
  const list = `<table class="txns">${txns.map((t) => `<tr><td><b>${e(t.name)}</b></td><td>process ${t.process} · ${e(t.outcome)}${timeText(t)}</td><td><code>${e(t.value)}</code></td></tr>`).join('')}</table>`;
  if (a.kind === 'data') return `<div class="anomaly" data-type="${e(a.type)}"><div><p>${e(a.explanation)}</p>${list}</div></div>`;
  const steps = a.steps.map((step) => `<li><span class="kind" style="background:${EDGE_COLOURS[step.kind] ?? '#333'}">${e(step.kind)}</span> ${e(step.explanation)}</li>`).join('');
  return `<div class="anomaly" data-type="${e(a.type)}">${cycleSvg(a)}<div><p>${e(a.explanation)}</p>${list}<ol class="steps">${steps}</ol></div></div>`;
}

function timeText(t: TxnRef): string {
  if (t.invokeTimeUs === undefined) return ` · index ${t.invokeIndex}${t.completeIndex === null ? '' : `–${t.completeIndex}`}`;
  return ` · ${formatUs(t.invokeTimeUs)}${t.completeTimeUs === undefined ? '' : `–${formatUs(t.completeTimeUs)}`}`;
}

function uniqueTxns(txns: readonly TxnRef[]): TxnRef[] {
  const seen = new Set<string>();
  return txns.filter((t) => !seen.has(t.name) && seen.add(t.name));
}

/** The cycle as a ring: transactions on a circle, each dependency a curved arrow to the next. */
function cycleSvg(a: Extract<Anomaly, { kind: 'cycle' }>): string {
  const e = escapeHtml;
  const n = a.txns.length;
  const size = n <= 2 ? 220 : Math.min(420, 160 + n * 40);
  const c = size / 2;
  const radius = size / 2 - 38;
  const at = (i: number): [number, number] => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
    return [c + radius * Math.cos(angle), c + radius * Math.sin(angle)];
  };
  const nodes = a.txns
    .map((t, i) => {
      const [x, y] = at(i);
      return `<g><circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="20" fill="#fff" stroke="#111"/><text x="${x.toFixed(1)}" y="${(y + 4).toFixed(1)}" text-anchor="middle" font-size="12" font-family="system-ui">${e(t.name)}</text></g>`;
    })
    .join('');
  const arrows = a.steps
    .map((step, i) => {
      const [x1, y1] = at(i);
      const [x2, y2] = at((i + 1) % n);
      const dx = x2 - x1;
      const dy = y2 - y1;
      const length = Math.hypot(dx, dy) || 1;
      // Bend every arrow outwards, so the two arrows of a two-transaction cycle do not overlap.
      const bend = n <= 2 ? 40 : 18;
      const mx = (x1 + x2) / 2 + (dy / length) * -bend;
      const my = (y1 + y2) / 2 + (dx / length) * bend;
      const shorten = (px: number, py: number, qx: number, qy: number): [number, number] => {
        const d = Math.hypot(qx - px, qy - py) || 1;
        return [px + ((qx - px) * 22) / d, py + ((qy - py) * 22) / d];
      };
      const [sx, sy] = shorten(x1, y1, mx, my);
      const [ex, ey] = shorten(x2, y2, mx, my);
      const colour = EDGE_COLOURS[step.kind] ?? '#333';
      return `<path d="M${sx.toFixed(1)},${sy.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}" fill="none" stroke="${colour}" stroke-width="2" marker-end="url(#arrow-${e(step.kind)})"/><text x="${mx.toFixed(1)}" y="${my.toFixed(1)}" font-size="11" font-family="ui-monospace,monospace" fill="${colour}" text-anchor="middle">${e(step.kind)}</text>`;
    })
    .join('');
  const markers = Object.entries(EDGE_COLOURS)
    .map(([kind, colour]) => `<marker id="arrow-${kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${colour}"/></marker>`)
    .join('');
  return `<svg width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${e(a.explanation)}"><defs>${markers}</defs>${arrows}${nodes}</svg>`;
}

/** The standalone page of `dsim check --model list-append --html`. */
export function renderIsolationHtml(input: { readonly title: string; readonly result: IsolationResult }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${CSP_META}
<title>${escapeHtml(input.title)}</title>
<style>body{margin:16px 24px}${ISOLATION_CSS}</style>
</head>
<body>
<h1 style="font:600 19px system-ui">${escapeHtml(input.title)}</h1>
${renderIsolationSection({ result: input.result, heading: 'Isolation' })}
</body>
</html>
`;
}

/**
 * For a run report: the view of the first isolation check's result (a failing one first), or ''
 * when no check judged transactions.
 */
export function transactionsSection(checks: readonly { readonly name: string; readonly verdict: string; readonly evidence?: unknown }[]): string {
  const judged = checks.filter((c) => isIsolationResult(c.evidence));
  const chosen = judged.find((c) => c.verdict === 'fail') ?? judged[0];
  if (chosen === undefined) return '';
  return renderIsolationSection({ result: chosen.evidence as IsolationResult, heading: `Transactions (check ${chosen.name})` });
}

function isIsolationResult(value: unknown): value is IsolationResult {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<IsolationResult>;
  return Array.isArray(v.anomalies) && typeof v.consistency === 'string' && typeof v.stats === 'object';
}
