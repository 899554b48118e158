/**
 * The report page's own CSS and script, inlined into every report (no network, no CDN).
 *
 * The script reads the run from the `<script type="application/json" id="dsim-data">` block and
 * draws it on a canvas: one lane per node and client over virtual time. Every string from the run
 * reaches the page through `textContent` or `fillText`, never as markup.
 *
 * Test hooks: `body[data-ready]` once drawn; the canvas carries `data-lanes`, `data-arrows`,
 * `data-ops`, `data-marks`, `data-bands`, `data-violations`, `data-highlighted` and `data-roles` (counts drawn
 * in the last frame), `data-role-ops` (JSON: each op of a linearizability explanation drawn, with
 * its role, number, the label written on it and its box in CSS pixels) and `data-view` (start,end
 * µs); lane labels are `.lane-label[data-lane]`.
 *
 * Written without template literals or `${` so it can live in a String.raw literal unchanged.
 */

export const CLIENT_CSS = String.raw`
:root { --fg: #1d2330; --muted: #687083; --line: #d9dde5; --bg: #ffffff; --panel: #f5f7fa; --bad: #d1242f; --good: #1f883d; --warn: #bf8700; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 12px 16px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 17px; margin: 0 0 4px; }
h2 { font-size: 13px; margin: 10px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.meta { color: var(--muted); }
.meta b { color: var(--fg); font-weight: 600; }
.result-held { color: var(--good); font-weight: 700; }
.result-broken { color: var(--bad); font-weight: 700; }
.result-inconclusive { color: var(--warn); font-weight: 700; }
.summary { display: grid; grid-template-columns: minmax(300px, 1fr) minmax(300px, 1fr); gap: 4px 24px; padding: 0 16px 8px; }
table.checks { border-collapse: collapse; width: 100%; }
table.checks td { padding: 2px 6px; vertical-align: top; border-bottom: 1px solid var(--line); }
td.verdict { font-weight: 700; white-space: nowrap; }
.verdict-pass { color: var(--good); } .verdict-fail { color: var(--bad); } .verdict-unknown { color: var(--warn); }
details.evidence pre { max-height: 160px; overflow: auto; background: var(--panel); padding: 6px; margin: 4px 0; white-space: pre-wrap; word-break: break-all; }
ul.violations, ul.highlights { margin: 0; padding-left: 18px; }
ul.violations li { color: var(--bad); }
ul.violations button, .evidence-item button { font-size: 11px; margin-left: 6px; }
.omitted { color: var(--warn); padding: 0 16px; }
#evidence-items { max-height: 200px; overflow: auto; }
.toolbar { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; padding: 6px 16px; background: var(--panel); border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
.toolbar button { font: inherit; padding: 2px 8px; border: 1px solid #b8bfcc; border-radius: 4px; background: #fff; cursor: pointer; }
.toolbar button:hover { background: #eef1f6; }
.toolbar .group { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
.toolbar label { white-space: nowrap; cursor: pointer; }
.toolbar .swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 3px; vertical-align: middle; }
#view-label { color: var(--muted); font-variant-numeric: tabular-nums; }
#chart { position: relative; margin: 0 0 0 0; user-select: none; }
#labels { position: absolute; left: 0; top: 0; width: 84px; }
.lane-label { position: absolute; left: 0; width: 84px; padding: 0 6px 0 12px; display: flex; align-items: center; font-weight: 600; border-right: 1px solid var(--line); overflow: hidden; white-space: nowrap; }
.lane-label.client { font-weight: 400; color: var(--muted); }
.lane-group { font-weight: 400; font-size: 10px; color: var(--muted); margin-right: 4px; overflow: hidden; text-overflow: ellipsis; max-width: 44px; }
.lane-label.highlighted { color: var(--bad); }
.lane-label.highlighted::before { content: "\25B6"; font-size: 9px; position: absolute; left: 2px; }
#canvas { position: absolute; left: 84px; top: 0; cursor: grab; }
#canvas.dragging { cursor: grabbing; }
#tip { position: fixed; z-index: 10; pointer-events: none; max-width: 560px; background: rgba(29,35,48,.95); color: #fff; padding: 6px 8px; border-radius: 4px; font-size: 12px; display: none; white-space: pre-wrap; word-break: break-word; }
#tip .tip-title { font-weight: 700; margin-bottom: 2px; }
footer { padding: 8px 16px 16px; color: var(--muted); }
table.evidence-table, table.linearization { border-collapse: collapse; margin: 6px 0; font-size: 12px; }
table.evidence-table caption { caption-side: top; text-align: left; color: var(--muted); padding-bottom: 2px; }
table.evidence-table th, table.evidence-table td, table.linearization th, table.linearization td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; }
table.evidence-table th, table.linearization th { background: var(--panel); font-weight: 600; }
table.evidence-table td.missing { color: var(--muted); font-style: italic; }
.lin-summary { margin: 2px 0 4px; max-width: 60em; }
tr.lin-conflict td { background: #fff0dc; }
tr.lin-accepted td { background: #e7f5ea; }
tr.lin-stuck td { background: #fde7e7; color: var(--bad); }
tr.lin-more td { color: var(--muted); font-style: italic; }
table.linearization button { font-size: 11px; margin-left: 6px; }
table.linearization td.op { white-space: nowrap; }
.legend span { margin-right: 12px; white-space: nowrap; }
`;

export const CLIENT_JS = String.raw`
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('dsim-data').textContent);
  var chart = document.getElementById('chart');
  var canvas = document.getElementById('canvas');
  var labelsBox = document.getElementById('labels');
  var tip = document.getElementById('tip');
  var viewLabel = document.getElementById('view-label');
  var g = canvas.getContext('2d');

  var LABEL_W = 84, AXIS_H = 24, DENSITY_H = 22, NODE_H = 38, ROW_H = 11, CLIENT_PAD = 5, RIGHT_PAD = 16;
  var END = Math.max(1, D.meta.endUs);
  var MIN_SPAN = 20;
  var A_FROM = 0, A_TO = 1, A_T0 = 2, A_T1 = 3, A_TYPE = 4, A_FATE = 5, A_REASON = 6, A_CONTENT = 7, A_HL = 8, A_ID = 9;
  var O_LANE = 0, O_ROW = 1, O_T0 = 2, O_T1 = 3, O_OUT = 4, O_F = 5, O_KEY = 6, O_IN = 7, O_OUTV = 8, O_ERR = 9, O_NODE = 10, O_PROC = 11, O_HL = 12, O_ROLE = 13, O_ORDER = 14;
  var ROLE_STROKE = { prefix: '#2c5fa8', conflict: '#e07b00', accepted: '#1f883d', stuck: '#d1242f' };
  var ROLE_TEXT = { prefix: 'in the linearization the checker found', conflict: 'changed the state the red op needs', accepted: 'left the state the red op needs', stuck: 'CANNOT FOLLOW the linearization found so far' };
  // An op as its client saw it: what it asked and what it got back.
  function opLabel(o) {
    var ask = o[O_F] + (o[O_KEY] ? ' ' + o[O_KEY] : '') + (o[O_F] === 'read' || o[O_IN] === 'null' ? '' : ' ' + o[O_IN]);
    if (o[O_OUT] === 'fail') return ask + ' \u2717';
    if (o[O_OUT] === 'info') return ask + ' ?';
    return o[O_F] === 'read' ? ask + ' \u2192 ' + o[O_OUTV] : ask;
  }
  function clientOf(o) { return D.lanes[o[O_LANE]].id; }

  var view = { t0: 0, t1: END };
  var hiddenLanes = {};
  var hiddenTypes = {};
  var show = { delivered: true, dropped: true, inflight: true, ops: true, notes: true, clientMsgs: true };
  var layout = { lanes: [], height: 0, width: 0 };
  var hits = { arrows: [], ops: [], marks: [], violations: [] };

  var PALETTE = ['#3b6fd4', '#2a9d8f', '#8e6bd1', '#c46a1b', '#4d8f2a', '#b04a8a', '#5b7a99', '#a0892c', '#2f8fc4', '#7a5c3a'];
  var ROLE_COLORS = { leader: '#e3b505', primary: '#e3b505', master: '#e3b505', candidate: '#f08c3a', follower: '#c9ced8', replica: '#c9ced8', secondary: '#c9ced8', learner: '#9fd1c9' };
  var OUTCOME = { ok: '#2e9e44', fail: '#e08a00', info: '#8a6fd1' };
  var BAD = '#d1242f';

  function typeColor(i) {
    var name = D.types[i] || '';
    if (name.indexOf('request:') === 0) return '#9aa3b5';
    if (name.indexOf('reply:') === 0) return '#b5bccb';
    return PALETTE[i % PALETTE.length];
  }
  function roleColor(role) {
    var key = String(role).toLowerCase();
    return ROLE_COLORS[key] || PALETTE[(hashString(key) >>> 0) % PALETTE.length];
  }
  function hashString(s) {
    var h = 2166136261;
    for (var i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); }
    return h;
  }
  function fmt(us) {
    var a = Math.abs(us), sign = us < 0 ? '-' : '';
    if (a >= 1e6) return sign + trim(a / 1e6) + 's';
    if (a >= 1e3) return sign + trim(a / 1e3) + 'ms';
    return sign + Math.round(a) + '\u00b5s';
  }
  function trim(v) { return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 3 : 1).replace(/\.?0+$/, ''); }

  // ---------------------------------------------------------------- DOM helpers (text only)
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    // Bidirectional controls from the trace are shown, never obeyed (as escapeHtml does).
    if (text !== undefined) e.textContent = String(text).replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, function (c) { return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4); });
    return e;
  }

  // ---------------------------------------------------------------- layout
  function laneHeight(lane) { return lane.kind === 'client' ? Math.max(22, lane.rows * ROW_H + 2 * CLIENT_PAD) : NODE_H; }
  function computeLayout() {
    var y = AXIS_H + DENSITY_H;
    var lanes = [];
    for (var i = 0; i < D.lanes.length; i++) {
      var lane = D.lanes[i];
      if (hiddenLanes[lane.id]) { lanes.push(null); continue; }
      var h = laneHeight(lane);
      lanes.push({ y: y, h: h, mid: y + h / 2 });
      y += h;
    }
    layout.lanes = lanes;
    layout.height = y + 8;
    layout.width = Math.max(200, chart.clientWidth - LABEL_W);
  }
  function plotW() { return layout.width - RIGHT_PAD; }
  function xOf(t) { return ((t - view.t0) / (view.t1 - view.t0)) * plotW(); }
  function tOf(x) { return view.t0 + (x / plotW()) * (view.t1 - view.t0); }

  function buildLabels() {
    while (labelsBox.firstChild) labelsBox.removeChild(labelsBox.firstChild);
    for (var i = 0; i < D.lanes.length; i++) {
      var lane = D.lanes[i], pos = layout.lanes[i];
      if (!pos) continue;
      var div = el('div', 'lane-label ' + lane.kind + (lane.highlighted ? ' highlighted' : ''), lane.id);
      if (lane.group) {
        // The service the node belongs to, before its id: "coord n1".
        div.insertBefore(el('span', 'lane-group', lane.group), div.firstChild);
        div.dataset.group = lane.group;
      }
      div.dataset.lane = lane.id;
      div.dataset.kind = lane.kind;
      div.style.top = pos.y + 'px';
      div.style.height = pos.h + 'px';
      div.title = lane.highlighted ? 'named by the violation evidence' : '';
      labelsBox.appendChild(div);
    }
  }

  // ---------------------------------------------------------------- drawing
  var hatch = null;
  function hatchPattern(color) {
    var c = document.createElement('canvas');
    c.width = 8; c.height = 8;
    var h = c.getContext('2d');
    h.strokeStyle = color; h.lineWidth = 1.5;
    h.beginPath(); h.moveTo(0, 8); h.lineTo(8, 0); h.moveTo(-2, 2); h.lineTo(2, -2); h.moveTo(6, 10); h.lineTo(10, 6); h.stroke();
    return g.createPattern(c, 'repeat');
  }

  function visible(t0, t1) { return t1 >= view.t0 && t0 <= view.t1; }
  function clampX(x) { return Math.max(-50, Math.min(plotW() + 50, x)); }

  var stats = {};
  function draw() {
    pending = false;
    computeLayout();
    var dpr = window.devicePixelRatio || 1;
    var W = layout.width, H = layout.height;
    chart.style.height = H + 'px';
    if (canvas.width !== Math.round(W * dpr) || canvas.height !== Math.round(H * dpr)) {
      canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
      canvas.style.width = W + 'px'; canvas.style.height = H + 'px';
    }
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, W, H);
    if (!hatch) hatch = { partition: hatchPattern('rgba(142,107,209,.55)'), down: hatchPattern('rgba(40,40,40,.5)') };
    stats = { lanes: 0, arrows: 0, ops: 0, marks: 0, bands: 0, violations: 0, highlighted: 0, roles: 0, roleOps: [] };
    hits = { arrows: [], ops: [], marks: [], violations: [] };
    buildLabels();
    drawLanes();
    drawDensity();
    drawArrows();
    // Over the arrows, translucent: a cut link or a dead node reads at a glance even in a dense run.
    drawPartitions();
    drawBands();
    drawRoles();
    drawOps();
    drawMarks();
    drawPhases();
    drawViolations();
    drawAxis();
    canvas.dataset.lanes = String(stats.lanes);
    canvas.dataset.arrows = String(stats.arrows);
    canvas.dataset.ops = String(stats.ops);
    canvas.dataset.marks = String(stats.marks);
    canvas.dataset.bands = String(stats.bands);
    canvas.dataset.violations = String(stats.violations);
    canvas.dataset.highlighted = String(stats.highlighted);
    canvas.dataset.roles = String(stats.roles);
    canvas.dataset.roleOps = JSON.stringify(stats.roleOps);
    canvas.dataset.view = Math.round(view.t0) + ',' + Math.round(view.t1);
    viewLabel.textContent = fmt(view.t0) + ' \u2013 ' + fmt(view.t1) + '  (' + fmt(view.t1 - view.t0) + ')  \u00b7 ' + stats.arrows + ' arrows, ' + stats.ops + ' ops drawn';
    document.body.dataset.ready = '1';
  }

  function drawLanes() {
    for (var i = 0; i < D.lanes.length; i++) {
      var pos = layout.lanes[i];
      if (!pos) continue;
      stats.lanes++;
      var lane = D.lanes[i];
      g.fillStyle = lane.kind === 'client' ? '#fafbfc' : (i % 2 === 0 ? '#ffffff' : '#f7f8fa');
      g.fillRect(0, pos.y, layout.width, pos.h);
      if (lane.highlighted) { g.fillStyle = 'rgba(209,36,47,.06)'; g.fillRect(0, pos.y, layout.width, pos.h); }
      g.strokeStyle = '#e3e6ec'; g.lineWidth = 1;
      g.beginPath(); g.moveTo(0, pos.y + pos.h - 0.5); g.lineTo(layout.width, pos.y + pos.h - 0.5); g.stroke();
      if (lane.kind === 'node') {
        g.strokeStyle = lane.highlighted ? 'rgba(209,36,47,.55)' : '#c3c8d2';
        g.beginPath(); g.moveTo(0, pos.mid); g.lineTo(layout.width, pos.mid); g.stroke();
      }
    }
  }

  function drawPartitions() {
    for (var i = 0; i < D.partitions.length; i++) {
      var p = D.partitions[i];
      if (!visible(p.startUs, p.endUs)) continue;
      var x0 = clampX(xOf(p.startUs)), x1 = clampX(xOf(p.endUs));
      var first = null;
      for (var j = 0; j < p.lanes.length; j++) {
        var pos = layout.lanes[p.lanes[j]];
        if (!pos) continue;
        if (!first) first = pos;
        g.fillStyle = 'rgba(142,107,209,.16)'; g.fillRect(x0, pos.y, Math.max(1, x1 - x0), pos.h);
        g.fillStyle = hatch.partition; g.fillRect(x0, pos.y, Math.max(1, x1 - x0), pos.h);
      }
      if (first) {
        stats.bands++;
        hits.marks.push({ x0: x0, x1: x1, y0: first.y, y1: first.y + 12, text: ['partition p' + p.id + ': ' + p.description, fmt(p.startUs) + ' \u2192 ' + fmt(p.endUs) + ' (' + fmt(p.endUs - p.startUs) + ')'] });
        g.fillStyle = '#5b3fa0'; g.font = '10px system-ui, sans-serif';
        g.fillText('\u2702 p' + p.id + ' ' + p.description, Math.max(2, x0 + 3), first.y + 10, Math.max(20, x1 - x0 - 4));
      }
    }
  }

  function drawBands() {
    for (var i = 0; i < D.bands.length; i++) {
      var b = D.bands[i], pos = layout.lanes[b[0]];
      if (!pos || !visible(b[1], b[2])) continue;
      stats.bands++;
      var x0 = clampX(xOf(b[1])), x1 = clampX(xOf(b[2]));
      if (b[3] === 'down') { g.fillStyle = 'rgba(60,60,60,.18)'; g.fillRect(x0, pos.y + 1, Math.max(1, x1 - x0), pos.h - 2); g.fillStyle = hatch.down; }
      else if (b[3] === 'paused') g.fillStyle = 'rgba(59,111,212,.22)';
      else g.fillStyle = 'rgba(150,150,150,.18)';
      g.fillRect(x0, pos.y + 1, Math.max(1, x1 - x0), pos.h - 2);
      hits.marks.push({ x0: x0, x1: x1, y0: pos.y + 1, y1: pos.y + pos.h - 1, band: true, text: [D.lanes[b[0]].id + ' ' + b[4], fmt(b[1]) + ' \u2192 ' + fmt(b[2])] });
      if (x1 - x0 > 60) { g.fillStyle = '#333'; g.font = '10px system-ui, sans-serif'; g.fillText(b[4], x0 + 4, pos.y + pos.h - 4, x1 - x0 - 8); }
    }
  }

  function drawRoles() {
    for (var i = 0; i < D.roles.length; i++) {
      var r = D.roles[i], pos = layout.lanes[r[0]];
      if (!pos || !visible(r[1], r[2])) continue;
      var x0 = clampX(xOf(r[1])), x1 = clampX(xOf(r[2]));
      g.fillStyle = roleColor(r[3]);
      g.fillRect(x0, pos.y + 13, Math.max(1, x1 - x0), 5);
      if (r[4] === 1) {
        stats.highlighted++;
        g.strokeStyle = BAD; g.lineWidth = 2; g.strokeRect(x0, pos.y + 12, Math.max(2, x1 - x0), 7);
      }
      if (x1 - x0 > 50) { g.fillStyle = r[4] === 1 ? BAD : '#6b5200'; g.font = '9px system-ui, sans-serif'; g.fillText(r[3], x0 + 2, pos.y + 27, x1 - x0 - 4); }
    }
  }

  function drawDensity() {
    var d = D.density, y = AXIS_H, h = DENSITY_H - 4;
    var from = Math.max(0, Math.floor(view.t0 / d.bucketUs)), to = Math.min(d.sent.length - 1, Math.ceil(view.t1 / d.bucketUs));
    var max = 1;
    for (var i = from; i <= to; i++) if (d.sent[i] > max) max = d.sent[i];
    g.fillStyle = '#f0f2f5'; g.fillRect(0, y, layout.width, DENSITY_H - 2);
    for (var j = from; j <= to; j++) {
      var x0 = xOf(j * d.bucketUs), x1 = xOf((j + 1) * d.bucketUs), w = Math.max(1, x1 - x0 - 0.5);
      var hs = (d.sent[j] / max) * h, hd = (d.dropped[j] / max) * h;
      g.fillStyle = '#aab2c2'; g.fillRect(x0, y + h - hs + 1, w, hs);
      if (hd > 0) { g.fillStyle = '#e0662e'; g.fillRect(x0, y + h - hd + 1, w, Math.max(1, hd)); }
    }
  }

  function arrowVisible(a) {
    if (hiddenTypes[a[A_TYPE]]) return false;
    if (a[A_FATE] === 0 && !show.delivered) return false;
    if (a[A_FATE] === 1 && !show.dropped) return false;
    if (a[A_FATE] === 2 && !show.inflight) return false;
    if (!show.clientMsgs && D.lanes[a[A_FROM]].kind !== D.lanes[a[A_TO]].kind) return false;
    return layout.lanes[a[A_FROM]] && layout.lanes[a[A_TO]] && visible(a[A_T0], a[A_T1]);
  }

  function drawArrows() {
    var list = [];
    for (var i = 0; i < D.arrows.length; i++) if (arrowVisible(D.arrows[i])) list.push(i);
    // Dense views fade each arrow so the pattern shows instead of a solid block.
    var alpha = Math.max(0.07, Math.min(0.85, 900 / Math.max(1, list.length)));
    var heads = list.length < 4000;
    var byColor = {};
    var highlighted = [];
    for (var k = 0; k < list.length; k++) {
      var a = D.arrows[list[k]];
      if (a[A_HL] === 1) { highlighted.push(list[k]); continue; }
      var c = typeColor(a[A_TYPE]);
      (byColor[c] = byColor[c] || []).push(list[k]);
    }
    g.lineWidth = 1;
    g.globalAlpha = alpha;
    for (var color in byColor) {
      g.strokeStyle = color; g.fillStyle = color;
      g.beginPath();
      var ids = byColor[color];
      for (var m = 0; m < ids.length; m++) pathArrow(ids[m], heads);
      g.stroke();
    }
    g.globalAlpha = 1;
    g.strokeStyle = BAD; g.fillStyle = BAD; g.lineWidth = 2.2;
    g.beginPath();
    for (var n = 0; n < highlighted.length; n++) { pathArrow(highlighted[n], true); stats.highlighted++; }
    g.stroke();
    g.lineWidth = 1;
    stats.arrows += list.length;
  }

  // Adds one arrow to the current path and records it for hovering.
  function pathArrow(i, heads) {
    var a = D.arrows[i];
    var p0 = layout.lanes[a[A_FROM]], p1 = layout.lanes[a[A_TO]];
    var x0 = xOf(a[A_T0]), y0 = p0.mid, x1 = xOf(a[A_T1]), y1 = p1.mid;
    if (a[A_FATE] === 1 && x1 - x0 < 3) { x1 = x0 + 10; y1 = y0 + (y1 - y0) * 0.3; }
    else if (a[A_FATE] === 1) { y1 = y0 + (y1 - y0) * 0.85; }
    g.moveTo(x0, y0); g.lineTo(x1, y1);
    if (a[A_FATE] === 1) {
      g.moveTo(x1 - 3, y1 - 3); g.lineTo(x1 + 3, y1 + 3); g.moveTo(x1 - 3, y1 + 3); g.lineTo(x1 + 3, y1 - 3);
    } else if (heads && a[A_FATE] === 0) {
      var dx = x1 - x0, dy = y1 - y0, len = Math.sqrt(dx * dx + dy * dy);
      if (len > 12) {
        var ux = dx / len, uy = dy / len;
        g.moveTo(x1, y1); g.lineTo(x1 - 6 * ux + 3 * uy, y1 - 6 * uy - 3 * ux);
        g.moveTo(x1, y1); g.lineTo(x1 - 6 * ux - 3 * uy, y1 - 6 * uy + 3 * ux);
      }
    }
    hits.arrows.push([x0, y0, x1, y1, i]);
  }

  function drawOps() {
    if (!show.ops) return;
    g.font = '9px system-ui, sans-serif';
    for (var i = 0; i < D.ops.length; i++) {
      var o = D.ops[i], pos = layout.lanes[o[O_LANE]];
      var end = o[O_T1] < 0 ? END : o[O_T1];
      if (!pos || !visible(o[O_T0], end)) continue;
      var x0 = clampX(xOf(o[O_T0])), x1 = clampX(xOf(end));
      var w = Math.max(2, x1 - x0), y = pos.y + CLIENT_PAD + o[O_ROW] * ROW_H, h = ROW_H - 2;
      g.fillStyle = OUTCOME[o[O_OUT]] || '#888';
      g.globalAlpha = o[O_T1] < 0 ? 0.45 : 0.85;
      g.fillRect(x0, y, w, h);
      g.globalAlpha = 1;
      var role = o[O_ROLE];
      if (role) {
        // The linearizability explanation: numbered prefix, the conflicting ops, the op that cannot follow.
        stats.roles++;
        g.strokeStyle = ROLE_STROKE[role]; g.lineWidth = role === 'prefix' ? 1.5 : 2.5;
        if (role === 'accepted') g.setLineDash([3, 2]);
        g.strokeRect(x0 - 1, y - 1, w + 2, h + 2); g.setLineDash([]); g.lineWidth = 1;
        // A tag above the bar: its number in the linearization; for the ops that explain the
        // violation, also what they did when the bar is too narrow to say it.
        var tag = (o[O_ORDER] > 0 ? '#' + o[O_ORDER] : '\u2717') + (role !== 'prefix' && w <= 40 ? ' ' + opLabel(o) : '');
        var tw = g.measureText(tag).width + 4;
        g.fillStyle = ROLE_STROKE[role]; g.fillRect(x0 - 1, y - 9, tw, 8);
        g.fillStyle = '#fff'; g.fillText(tag, x0 + 1, y - 2);
      }
      if (o[O_HL] === 1) {
        stats.highlighted++;
        if (!role) { g.strokeStyle = BAD; g.lineWidth = 2; g.strokeRect(x0 - 1, y - 1, w + 2, h + 2); g.lineWidth = 1; }
        if (!role) { g.fillStyle = BAD; g.beginPath(); g.moveTo(x0, y - 1); g.lineTo(x0 + 4, y - 6); g.lineTo(x0 - 4, y - 6); g.closePath(); g.fill(); }
      }
      var label = w > 40 ? opLabel(o) : '';
      if (label) { g.fillStyle = '#fff'; g.fillText(label, x0 + 2, y + h - 1, w - 4); }
      if (role) stats.roleOps.push({ role: role, order: o[O_ORDER], label: label, tag: tag, x: Math.round(x0), y: Math.round(y), w: Math.round(w), h: h });
      hits.ops.push([x0, y, w, h, i]);
      stats.ops++;
    }
  }

  // Glyphs every common font has (no emoji-range symbols that render as boxes).
  var MARK_GLYPH = { crash: '\u2715', restart: '\u21bb', pause: '\u2016', resume: '\u25b6', start: '\u25cf', clock: '\u00b1', command: '\u2691', note: '' };
  var MARK_COLOR = { crash: '#8b0000', restart: '#1f883d', pause: '#3b6fd4', resume: '#3b6fd4', start: '#1f883d', clock: '#a0892c', command: '#5b3fa0', note: '#8a93a6' };
  function drawMarks() {
    g.font = '13px system-ui, sans-serif';
    g.textAlign = 'center';
    for (var i = 0; i < D.marks.length; i++) {
      var m = D.marks[i], pos = layout.lanes[m[0]];
      if (!pos || m[1] < view.t0 || m[1] > view.t1) continue;
      if (m[2] === 'note' && !show.notes) continue;
      var x = xOf(m[1]);
      var color = m[4] === 1 ? BAD : MARK_COLOR[m[2]];
      if (m[2] === 'note') {
        g.strokeStyle = color; g.lineWidth = m[4] === 1 ? 2 : 1;
        g.beginPath(); g.moveTo(x, pos.y + pos.h - 9); g.lineTo(x, pos.y + pos.h - 2); g.stroke();
        g.lineWidth = 1;
      } else {
        g.fillStyle = color;
        g.fillText(MARK_GLYPH[m[2]], x, pos.mid + 5);
      }
      if (m[4] === 1) stats.highlighted++;
      hits.marks.push({ x0: x - 5, x1: x + 5, y0: pos.y, y1: pos.y + pos.h, point: true, text: [m[3], 'at ' + fmt(m[1])] });
      stats.marks++;
    }
    g.textAlign = 'left';
  }

  function drawPhases() {
    if (D.meta.finalReadFromUs === null || D.meta.finalReadFromUs < view.t0 || D.meta.finalReadFromUs > view.t1) return;
    var x = xOf(D.meta.finalReadFromUs);
    g.strokeStyle = '#6b7280'; g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(x, AXIS_H); g.lineTo(x, layout.height); g.stroke();
    g.setLineDash([]);
    g.fillStyle = '#6b7280'; g.font = '10px system-ui, sans-serif'; g.fillText('final reads', x + 3, AXIS_H + DENSITY_H + 10);
  }

  function drawViolations() {
    g.font = 'bold 11px system-ui, sans-serif';
    var labelRow = 0;
    for (var i = 0; i < D.violations.length; i++) {
      var v = D.violations[i];
      var t = v.timeUs === null ? END : v.timeUs;
      if (t < view.t0 || t > view.t1) continue;
      var x = xOf(t);
      g.strokeStyle = BAD; g.lineWidth = 2; g.setLineDash(v.timeUs === null ? [6, 3] : []);
      g.beginPath(); g.moveTo(x, AXIS_H); g.lineTo(x, layout.height); g.stroke();
      g.setLineDash([]); g.lineWidth = 1;
      var text = '\u26a0 ' + v.name + (v.timeUs === null ? ' (judged at the end)' : '');
      var tw = g.measureText(text).width + 8;
      var lx = Math.min(Math.max(0, x - tw / 2), plotW() - tw);
      var ly = AXIS_H + DENSITY_H + 2 + (labelRow++ % 3) * 15;
      g.fillStyle = BAD; g.fillRect(lx, ly, tw, 14);
      g.fillStyle = '#fff'; g.fillText(text, lx + 4, ly + 11);
      hits.violations.push({ x: x, x0: lx, x1: lx + tw, y0: ly, y1: ly + 14, i: i });
      stats.violations++;
    }
  }

  function niceStep(span, px) {
    var target = span / Math.max(1, px / 110);
    var p = Math.pow(10, Math.floor(Math.log10(Math.max(1, target))));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= target) return steps[i] * p;
    return 10 * p;
  }
  function drawAxis() {
    g.fillStyle = '#fff'; g.fillRect(0, 0, layout.width, AXIS_H);
    g.strokeStyle = '#c3c8d2'; g.beginPath(); g.moveTo(0, AXIS_H - 0.5); g.lineTo(layout.width, AXIS_H - 0.5); g.stroke();
    var step = niceStep(view.t1 - view.t0, plotW());
    g.fillStyle = '#4b5363'; g.font = '10px system-ui, sans-serif';
    for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      var x = Math.round(xOf(t)) + 0.5;
      g.strokeStyle = '#c3c8d2'; g.beginPath(); g.moveTo(x, AXIS_H - 6); g.lineTo(x, AXIS_H); g.stroke();
      g.strokeStyle = 'rgba(0,0,0,.04)'; g.beginPath(); g.moveTo(x, AXIS_H); g.lineTo(x, layout.height); g.stroke();
      g.fillText(fmt(t), x + 3, 14);
    }
    if (xOf(END) < plotW()) {
      var xe = xOf(END);
      g.fillStyle = 'rgba(0,0,0,.05)'; g.fillRect(xe, AXIS_H, layout.width - xe, layout.height - AXIS_H);
    }
  }

  // ---------------------------------------------------------------- view changes
  var pending = false;
  function redraw() { if (!pending) { pending = true; requestAnimationFrame(draw); } }
  function setView(t0, t1) {
    var span = Math.max(MIN_SPAN, Math.min(t1 - t0, END * 1.2));
    var lo = -END * 0.1, hi = END * 1.1;
    if (t0 < lo) t0 = lo;
    if (t0 + span > hi) t0 = hi - span;
    view.t0 = t0; view.t1 = t0 + span;
    redraw();
  }
  function zoomAt(x, factor) {
    var anchor = tOf(x), span = (view.t1 - view.t0) * factor;
    span = Math.max(MIN_SPAN, Math.min(span, END * 1.2));
    var t0 = anchor - (x / plotW()) * span;
    setView(t0, t0 + span);
  }
  function fit() { setView(0, END); }
  function focusViolation() {
    if (D.focus) setView(D.focus.startUs, D.focus.endUs);
    else fit();
  }
  function goTo(t) {
    var span = Math.min(view.t1 - view.t0, Math.max(END * 0.05, 1000));
    setView(t - span / 2, t + span / 2);
  }

  canvas.addEventListener('wheel', function (e) {
    e.preventDefault();
    var rect = canvas.getBoundingClientRect();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      var d = (e.shiftKey ? e.deltaY : e.deltaX) / plotW() * (view.t1 - view.t0);
      setView(view.t0 + d, view.t1 + d);
      return;
    }
    zoomAt(e.clientX - rect.left, Math.exp(e.deltaY * 0.0015));
  }, { passive: false });

  var drag = null;
  canvas.addEventListener('mousedown', function (e) {
    drag = { x: e.clientX, t0: view.t0, t1: view.t1 };
    canvas.classList.add('dragging');
    hideTip();
  });
  window.addEventListener('mousemove', function (e) {
    if (drag) {
      var dt = ((e.clientX - drag.x) / plotW()) * (drag.t1 - drag.t0);
      setView(drag.t0 - dt, drag.t1 - dt);
      return;
    }
    if (e.target === canvas) hover(e);
    else hideTip();
  });
  window.addEventListener('mouseup', function () { drag = null; canvas.classList.remove('dragging'); });
  canvas.addEventListener('mouseleave', function () { if (!drag) hideTip(); });
  canvas.addEventListener('dblclick', function (e) { var rect = canvas.getBoundingClientRect(); zoomAt(e.clientX - rect.left, 0.5); });
  window.addEventListener('resize', redraw);
  window.addEventListener('keydown', function (e) {
    if (e.target && (e.target.tagName === 'INPUT' || e.target.tagName === 'TEXTAREA')) return;
    var span = view.t1 - view.t0;
    if (e.key === '+' || e.key === '=') zoomAt(plotW() / 2, 0.5);
    else if (e.key === '-' || e.key === '_') zoomAt(plotW() / 2, 2);
    else if (e.key === '0') fit();
    else if (e.key === 'ArrowLeft') setView(view.t0 - span * 0.2, view.t1 - span * 0.2);
    else if (e.key === 'ArrowRight') setView(view.t0 + span * 0.2, view.t1 + span * 0.2);
    else if (e.key === 'v') focusViolation();
  });
  document.getElementById('zoom-in').addEventListener('click', function () { zoomAt(plotW() / 2, 0.5); });
  document.getElementById('zoom-out').addEventListener('click', function () { zoomAt(plotW() / 2, 2); });
  document.getElementById('pan-left').addEventListener('click', function () { var s = view.t1 - view.t0; setView(view.t0 - s * 0.3, view.t1 - s * 0.3); });
  document.getElementById('pan-right').addEventListener('click', function () { var s = view.t1 - view.t0; setView(view.t0 + s * 0.3, view.t1 + s * 0.3); });
  document.getElementById('zoom-fit').addEventListener('click', fit);
  var focusButton = document.getElementById('zoom-violation');
  if (!D.focus && D.violations.length === 0) focusButton.disabled = true;
  focusButton.addEventListener('click', focusViolation);

  // ---------------------------------------------------------------- hover
  function hideTip() { tip.style.display = 'none'; }
  function showTip(e, title, lines) {
    while (tip.firstChild) tip.removeChild(tip.firstChild);
    tip.appendChild(el('div', 'tip-title', title));
    for (var i = 0; i < lines.length; i++) if (lines[i] !== '') tip.appendChild(el('div', '', lines[i]));
    tip.style.display = 'block';
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var x = e.clientX + 14, y = e.clientY + 14;
    if (x + w > window.innerWidth - 4) x = Math.max(4, e.clientX - w - 14);
    if (y + h > window.innerHeight - 4) y = Math.max(4, e.clientY - h - 14);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }
  function segmentDistance(px, py, x0, y0, x1, y1) {
    var dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    var t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / len2));
    var cx = x0 + t * dx - px, cy = y0 + t * dy - py;
    return Math.sqrt(cx * cx + cy * cy);
  }
  function laneAt(y) {
    for (var i = 0; i < layout.lanes.length; i++) { var p = layout.lanes[i]; if (p && y >= p.y && y < p.y + p.h) return i; }
    return -1;
  }
  function hover(e) {
    var rect = canvas.getBoundingClientRect();
    var x = e.clientX - rect.left, y = e.clientY - rect.top;
    var i, best = null, bestD = 5;
    for (i = 0; i < hits.violations.length; i++) {
      var hv = hits.violations[i];
      if ((x >= hv.x0 && x <= hv.x1 && y >= hv.y0 && y <= hv.y1) || Math.abs(x - hv.x) < 3) {
        var v = D.violations[hv.i];
        showTip(e, 'VIOLATION ' + v.name, [v.message, v.timeUs === null ? 'judged when the run ended (' + fmt(END) + ')' : 'at ' + fmt(v.timeUs), 'source: ' + v.source]);
        return;
      }
    }
    for (i = hits.ops.length - 1; i >= 0; i--) {
      var h = hits.ops[i];
      if (x >= h[0] - 1 && x <= h[0] + h[2] + 1 && y >= h[1] - 1 && y <= h[1] + h[3] + 1) {
        var o = D.ops[h[4]];
        showTip(e, clientOf(o) + ' ' + opLabel(o) + '  (' + o[O_OUT] + ')', [
          'input: ' + o[O_IN], o[O_OUT] === 'ok' ? 'result: ' + o[O_OUTV] : '', o[O_ERR] ? 'error: ' + o[O_ERR] : '',
          'client ' + clientOf(o) + (o[O_NODE] ? ', answered by ' + o[O_NODE] : ''),
          o[O_ROLE] ? (o[O_ORDER] > 0 ? '#' + o[O_ORDER] + ' ' : '') + ROLE_TEXT[o[O_ROLE]] : '',
          fmt(o[O_T0]) + ' \u2192 ' + (o[O_T1] < 0 ? 'never completed' : fmt(o[O_T1]) + ' (' + fmt(o[O_T1] - o[O_T0]) + ')'),
          o[O_HL] === 1 ? '\u26a0 named by the violation evidence' : '']);
        return;
      }
    }
    for (i = 0; i < hits.arrows.length; i++) {
      var a = hits.arrows[i];
      var d = segmentDistance(x, y, a[0], a[1], a[2], a[3]);
      if (d < bestD) { bestD = d; best = a[4]; }
    }
    if (best !== null) {
      var ar = D.arrows[best];
      var fate = ar[A_FATE] === 0 ? 'delivered at ' + fmt(ar[A_T1]) + ' (' + fmt(ar[A_T1] - ar[A_T0]) + ')' : ar[A_FATE] === 1 ? 'DROPPED (' + ar[A_REASON] + ') at ' + fmt(ar[A_T1]) : 'still in flight at the end';
      showTip(e, D.types[ar[A_TYPE]] + '  ' + D.lanes[ar[A_FROM]].id + ' \u2192 ' + D.lanes[ar[A_TO]].id + '  #' + ar[A_ID], ['sent at ' + fmt(ar[A_T0]) + ', ' + fate, ar[A_CONTENT], ar[A_HL] === 1 ? '\u26a0 carried a value the violation evidence names' : '']);
      return;
    }
    for (i = hits.marks.length - 1; i >= 0; i--) {
      var m = hits.marks[i];
      if (m.point && x >= m.x0 && x <= m.x1 && y >= m.y0 && y <= m.y1) { showTip(e, m.text[0], m.text.slice(1)); return; }
    }
    for (i = hits.marks.length - 1; i >= 0; i--) {
      var b = hits.marks[i];
      if (!b.point && x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1) { showTip(e, b.text[0], b.text.slice(1)); return; }
    }
    var lane = laneAt(y);
    if (lane >= 0) { showTip(e, D.lanes[lane].id + ' at ' + fmt(tOf(x)), laneInfo(lane, tOf(x))); return; }
    hideTip();
  }
  // A node's role and status at time t, and its nearest notes.
  function laneInfo(lane, t) {
    var out = [];
    if (D.lanes[lane].kind === 'client') return ['client lane: op bars by outcome (green ok, orange fail, purple info)'];
    var role = 'no role';
    for (var i = 0; i < D.roles.length; i++) { var r = D.roles[i]; if (r[0] === lane && r[1] <= t && t < r[2]) role = r[3] + ' since ' + fmt(r[1]); }
    out.push('role: ' + role);
    var state = null;
    for (var q = 0; q < D.states.length; q++) { var st = D.states[q]; if (st[0] === lane && st[1] <= t) state = st; }
    if (state !== null) out.push('state: ' + state[2] + '  (since ' + fmt(state[1]) + ')');
    for (var j = 0; j < D.bands.length; j++) { var b = D.bands[j]; if (b[0] === lane && b[1] <= t && t < b[2]) out.push('status: ' + b[4]); }
    var near = [], win = (view.t1 - view.t0) * 0.01;
    for (var k = 0; k < D.marks.length && near.length < 6; k++) { var m = D.marks[k]; if (m[0] === lane && Math.abs(m[1] - t) <= win) near.push(fmt(m[1]) + '  ' + m[3]); }
    if (near.length > 0) { out.push('nearby:'); out = out.concat(near); }
    if (D.lanes[lane].highlighted) out.push('\u26a0 named by the violation evidence');
    return out;
  }

  // ---------------------------------------------------------------- filters
  function checkbox(parent, text, checked, onChange, color) {
    var label = el('label');
    var input = document.createElement('input');
    input.type = 'checkbox'; input.checked = checked;
    input.addEventListener('change', function () { onChange(input.checked); redraw(); });
    label.appendChild(input);
    if (color) { var sw = el('span', 'swatch'); sw.style.background = color; label.appendChild(sw); }
    label.appendChild(document.createTextNode(text));
    parent.appendChild(label);
    return input;
  }
  var laneFilter = document.getElementById('filter-lanes');
  D.lanes.forEach(function (lane) {
    var input = checkbox(laneFilter, lane.id, true, function (on) { hiddenLanes[lane.id] = !on; });
    input.dataset.lane = lane.id;
  });
  var typeFilter = document.getElementById('filter-types');
  D.types.forEach(function (type, i) {
    var input = checkbox(typeFilter, type, true, function (on) { hiddenTypes[i] = !on; }, typeColor(i));
    input.dataset.type = type;
  });
  var showFilter = document.getElementById('filter-show');
  checkbox(showFilter, 'delivered', true, function (on) { show.delivered = on; });
  checkbox(showFilter, 'dropped', true, function (on) { show.dropped = on; });
  checkbox(showFilter, 'in flight', true, function (on) { show.inflight = on; });
  checkbox(showFilter, 'client messages', true, function (on) { show.clientMsgs = on; });
  checkbox(showFilter, 'ops', true, function (on) { show.ops = on; });
  checkbox(showFilter, 'notes', true, function (on) { show.notes = on; });

  // ---------------------------------------------------------------- evidence list
  var evidenceList = document.getElementById('evidence-items');
  function evidenceItem(kind, text, t) {
    var li = el('li', 'evidence-item', text);
    li.dataset.kind = kind;
    var b = el('button', '', 'show');
    b.addEventListener('click', function () { goTo(t); });
    li.appendChild(b);
    evidenceList.appendChild(li);
  }
  var listed = 0;
  D.ops.forEach(function (o) {
    if (o[O_HL] !== 1 || listed >= 40) return;
    listed++;
    evidenceItem('op', clientOf(o) + ' ' + opLabel(o) + ' (' + o[O_OUT] + ') at ' + fmt(o[O_T0]) + (o[O_ROLE] ? ': ' + ROLE_TEXT[o[O_ROLE]] : ''), o[O_T0]);
  });
  D.arrows.forEach(function (a) {
    if (a[A_HL] !== 1 || listed >= 80) return;
    listed++;
    evidenceItem('message', D.types[a[A_TYPE]] + ' ' + D.lanes[a[A_FROM]].id + ' \u2192 ' + D.lanes[a[A_TO]].id + (a[A_FATE] === 1 ? ' dropped (' + a[A_REASON] + ')' : '') + ' at ' + fmt(a[A_T0]) + ': ' + a[A_CONTENT], a[A_T0]);
  });
  D.roles.forEach(function (r) {
    if (r[4] !== 1 || listed >= 100) return;
    listed++;
    evidenceItem('role', D.lanes[r[0]].id + ' ' + r[3] + ' ' + fmt(r[1]) + ' \u2192 ' + fmt(r[2]), r[1]);
  });
  Array.prototype.forEach.call(document.querySelectorAll('button[data-goto]'), function (b) {
    b.addEventListener('click', function () { goTo(Number(b.dataset.goto)); });
  });

  // Open on the violation: where the evidence is, not the whole run.
  if (D.focus) focusViolation();
  else draw();
})();
`;
