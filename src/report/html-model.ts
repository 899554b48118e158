/**
 * Turns a run (its result and trace) into the compact data the HTML report draws: lanes, fault
 * bands, role strips, message arrows, client op bars, verdicts and the evidence to highlight.
 *
 * Big runs stay drawable: faults, roles, violations and findings are always kept; message arrows
 * are capped (`maxArrows`), chosen first from the evidence, then around the violation, then evenly
 * over the rest; ops and notes have their own caps. What was left out is counted, per message type,
 * and a density strip still shows every message.
 */
import { formatUs } from '../core/time.js';
import { pairOperations, type Operation } from '../core/history.js';
import type { RunResult } from '../runner/run.js';
import type { TraceEvent } from '../trace/events.js';
import { collectEvidence, containsValue, emptyFacts, matchOps, mergeFacts, scanProse } from './html-evidence.js';
import { shortJson } from '../core/short-json.js';
import { plural } from '../core/plural.js';
import { evidenceTable, type EvidenceTable } from './evidence-table.js';
import { linearizationView, opId, type LinearizationView, type OpRole } from './linearization.js';

export interface ReportLimits {
  /** Most message arrows drawn (each message is one arrow, a duplicate adds one). */
  readonly maxArrows: number;
  /** Most client op bars. */
  readonly maxOps: number;
  /** Most node notes shown as ticks. */
  readonly maxNotes: number;
  /** Most node state summaries kept (for hover). */
  readonly maxStates: number;
  /** Characters of a message's content kept for hovering. */
  readonly maxContentChars: number;
}

export const DEFAULT_LIMITS: ReportLimits = { maxArrows: 20_000, maxOps: 50_000, maxNotes: 5_000, maxStates: 20_000, maxContentChars: 200 };

const DENSITY_BUCKETS = 1_000;
/** Share of the arrow budget for messages the evidence names, and for those near the violation. */
const EVIDENCE_SHARE = 0.25;
const FOCUS_SHARE = 0.5;
const MAX_FOCUS_POINTS = 8;
const MAX_EVIDENCE_MESSAGES = 500;
const MAX_CLIENT_ROWS = 8;
const MAX_EVIDENCE_CHARS = 4_000;

/** [fromLane, toLane, sendUs, endUs, typeIndex, fate (0 delivered, 1 dropped, 2 in flight), dropReason, content, highlighted (0/1), messageId] */
export type ArrowRow = [number, number, number, number, number, 0 | 1 | 2, string, string, 0 | 1, number];
/**
 * [lane, row, invokeUs, completeUs (-1: never), outcome, f, key, input, output, error, node, process, highlighted,
 *  role in a linearizability explanation ('' | prefix | conflict | accepted | stuck), position in the linearization (0: none)]
 */
export type OpRow = [number, number, number, number, 'ok' | 'fail' | 'info', string, string, string, string, string, string, number, 0 | 1, '' | OpRole, number];
/** [lane, startUs, endUs, kind, label] */
export type BandRow = [number, number, number, 'down' | 'paused' | 'stopped', string];
/** [lane, startUs, endUs, role, highlighted] */
export type RoleRow = [number, number, number, string, 0 | 1];
/** [lane, timeUs, summary]: a node's one-line state from this time on (the protocol's `summary`). */
export type StateRow = [number, number, string];
/** [lane, timeUs, kind, text, highlighted] */
export type MarkRow = [number, number, 'crash' | 'restart' | 'pause' | 'resume' | 'start' | 'clock' | 'command' | 'note', string, 0 | 1];

export interface ReportData {
  readonly version: 1;
  readonly meta: {
    readonly scenario: string;
    readonly file: string;
    readonly protocol: string;
    readonly flaws: readonly string[];
    readonly seed: string;
    readonly traceHash: string;
    readonly kernelEvents: number;
    readonly traceEvents: number;
    readonly truncated: boolean;
    readonly endUs: number;
    readonly expected: string;
    readonly expectation: string;
    readonly finalReadFromUs: number | null;
    readonly messages: string;
    readonly ops: string;
  };
  /** `group`: the service a node belongs to, in a scenario of several (`groups:`). */
  readonly lanes: ReadonlyArray<{ readonly id: string; readonly kind: 'node' | 'client'; readonly rows: number; readonly highlighted: boolean; readonly group?: string }>;
  readonly types: readonly string[];
  readonly bands: readonly BandRow[];
  readonly roles: readonly RoleRow[];
  /** Node state summaries in time order, sampled to `maxStates`. */
  readonly states: readonly StateRow[];
  readonly partitions: ReadonlyArray<{ readonly id: string; readonly startUs: number; readonly endUs: number; readonly description: string; readonly lanes: readonly number[] }>;
  readonly marks: readonly MarkRow[];
  readonly arrows: readonly ArrowRow[];
  readonly ops: readonly OpRow[];
  readonly checks: ReadonlyArray<{ readonly name: string; readonly verdict: string; readonly detail: string; readonly evidence: string | null; readonly table: EvidenceTable | null }>;
  /** A linearizability failure explained: the linearization found so far and what cannot follow it. */
  readonly linearization: LinearizationView | null;
  readonly violations: ReadonlyArray<{ readonly timeUs: number | null; readonly name: string; readonly message: string; readonly source: 'trace' | 'finding' | 'check' }>;
  readonly highlights: readonly string[];
  readonly focus: { readonly startUs: number; readonly endUs: number } | null;
  readonly omitted: {
    readonly messages: number;
    readonly messagesTotal: number;
    readonly byType: Readonly<Record<string, number>>;
    readonly ops: number;
    readonly opsTotal: number;
    readonly notes: number;
    readonly notesTotal: number;
    readonly states: number;
    readonly statesTotal: number;
  };
  readonly density: { readonly bucketUs: number; readonly sent: readonly number[]; readonly dropped: readonly number[] };
}

export interface ReportInput {
  readonly result: RunResult;
  /** The recorded trace (possibly cut short: see `truncated`). */
  readonly events: readonly TraceEvent[];
  /** True when the recorder hit its limit and later events are missing. */
  readonly truncated?: boolean;
  readonly limits?: Partial<ReportLimits>;
}

/** Trace kinds the report uses; a recorder for it may drop the rest (timers, persists). */
export function isReportEvent(event: TraceEvent): boolean {
  return event.kind !== 'timer' && event.kind !== 'persist';
}

interface MessageRecord {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly sendUs: number;
  readonly type: string;
  readonly payload: unknown;
  readonly delivers: number[];
  dropUs?: number;
  dropReason?: string;
  highlighted: boolean;
}

interface ReportOp extends Operation {
  readonly client: string;
}

export function buildReportData(input: ReportInput): ReportData {
  const limits: ReportLimits = { ...DEFAULT_LIMITS, ...input.limits };
  const { result, events } = input;
  const lastEventUs = events.length > 0 ? events[events.length - 1]!.t : 0;
  const endUs = Math.max(result.virtualTimeUs, lastEventUs, 1);

  // ---- lanes: nodes n1..nK (plus any other endpoint the trace names), then clients.
  const nodeIds = new Set<string>(Array.from({ length: result.nodes }, (_, i) => `n${i + 1}`));
  const clientIds = new Set<string>();
  const processClient = new Map<number, string>();
  for (const e of events) {
    switch (e.kind) {
      case 'start':
      case 'crash':
      case 'restart':
      case 'pause':
      case 'resume':
      case 'clock':
      case 'command':
      case 'note':
      case 'role':
        nodeIds.add(e.node);
        break;
      case 'send':
        nodeIds.add(e.from);
        nodeIds.add(e.to);
        break;
      case 'request':
        clientIds.add(e.from);
        nodeIds.add(e.to);
        break;
      case 'op':
        clientIds.add(e.client);
        if (!processClient.has(e.process)) processClient.set(e.process, e.client);
        break;
      default:
        break;
    }
  }
  // The run knows every process's client even when the trace was cut short.
  for (const [process, client] of Object.entries(result.processClients ?? {})) {
    if (!processClient.has(Number(process))) processClient.set(Number(process), client);
    clientIds.add(client);
  }
  const clientOf = (process: number): string => processClient.get(process) ?? `p${process}`;
  for (const id of clientIds) nodeIds.delete(id);
  const laneIds = [...[...nodeIds].sort(naturalCompare), ...[...clientIds].sort(naturalCompare)];
  const laneIndex = new Map(laneIds.map((id, i) => [id, i]));
  const knownNodes = new Set(nodeIds);
  const groupOfNode = new Map((result.groups ?? []).flatMap((g) => g.nodes.map((node) => [node, g.name] as const)));

  // ---- evidence: what the failing checks, findings and trace violations name.
  const facts = emptyFacts();
  const violations: Array<{ timeUs: number | null; name: string; message: string; source: 'trace' | 'finding' | 'check' }> = [];
  for (const e of events) {
    if (e.kind === 'violation') {
      violations.push({ timeUs: e.t, name: e.name, message: e.message, source: 'trace' });
      facts.timesUs.add(e.t);
      scanProse(e.message, knownNodes, facts);
    }
  }
  for (const f of result.findings) {
    // Invariant findings also appear as trace violations; list each once.
    const seen = violations.some((v) => v.source === 'trace' && v.timeUs === f.timeUs && v.message === f.message);
    if (!seen) violations.push({ timeUs: f.timeUs, name: f.kind === 'invariant' ? (f.name ?? 'invariant') : f.kind, message: f.node ? `${f.node}: ${f.message}` : f.message, source: 'finding' });
    if (f.node !== undefined && knownNodes.has(f.node)) facts.nodes.add(f.node);
    facts.timesUs.add(f.timeUs);
    scanProse(f.message, knownNodes, facts);
  }
  const failing = result.checks.filter((c) => c.verdict === 'fail');
  for (const check of failing) {
    const own = emptyFacts();
    if (check.evidence !== undefined) collectEvidence(check.evidence, knownNodes, own);
    // Prose only when the structured evidence named nothing (a detail often lists every node).
    if (own.nodes.size + own.ops.length + own.values.size === 0) scanProse(check.detail, knownNodes, own);
    mergeFacts(facts, own);
    // A check built on timed violations (invariants, health) is already marked at those times.
    const timed = violations.some((v) => v.name === check.name || (v.timeUs !== null && own.timesUs.has(v.timeUs)));
    if (!timed) violations.push({ timeUs: null, name: check.name, message: check.detail, source: 'check' });
  }

  // ---- ops, from the history (complete even when the trace was cut short).
  const allOps: ReportOp[] = pairOperations(result.history, { allowInvokeAfterInfo: true }).map((op) => ({ ...op, client: processClient.get(op.process) ?? 'clients' }));
  if (allOps.some((op) => op.client === 'clients') && !laneIndex.has('clients')) {
    laneIndex.set('clients', laneIds.length);
    laneIds.push('clients');
  }
  const byProcess = new Map<number, ReportOp[]>();
  for (const op of allOps) {
    let list = byProcess.get(op.process);
    if (list === undefined) byProcess.set(op.process, (list = []));
    list.push(op);
  }
  const highlightedOps = new Set<ReportOp>();
  for (const ref of facts.ops) for (const op of matchOps(ref, byProcess)) highlightedOps.add(op);
  // A linearizability failure, explained: its ops are drawn with their roles, the culprits highlighted.
  const explained = linearizationView(result.checks, clientOf);
  const roleOf = (op: ReportOp): { role: OpRole; order?: number } | undefined => explained?.roles.get(opId(op));
  for (const op of allOps) if (roleOf(op) !== undefined && roleOf(op)!.role !== 'prefix') highlightedOps.add(op);
  if (facts.values.size > 0) {
    // A named value points at the op that wrote it (reads return values, they do not introduce them).
    for (const op of allOps) if (op.f !== 'read' && op.input !== null && containsValue(op.input, facts.values) && highlightedOps.size < 200) highlightedOps.add(op);
  }
  for (const op of highlightedOps) {
    if (op.invokeTimeUs !== undefined) facts.timesUs.add(op.invokeTimeUs);
    if (op.node !== undefined && knownNodes.has(op.node) && facts.values.size === 0) facts.nodes.add(op.node);
  }

  // ---- node lifecycles, roles, partitions, marks.
  const bands: BandRow[] = [];
  const roles: RoleRow[] = [];
  const marks: MarkRow[] = [];
  const partitions: Array<{ id: string; startUs: number; endUs: number; description: string; lanes: number[] }> = [];
  const openPartitions = new Map<string, { startUs: number; description: string }>();
  const downSince = new Map<string, number>();
  const pausedSince = new Map<string, number>();
  const started = new Map<string, number>();
  const openRole = new Map<string, { startUs: number; role: string }>();
  const notes: MarkRow[] = [];
  const states: StateRow[] = [];
  const closeRole = (node: string, atUs: number): void => {
    const open = openRole.get(node);
    if (open === undefined) return;
    openRole.delete(node);
    roles.push([laneIndex.get(node)!, open.startUs, atUs, open.role, 0]);
  };
  const messages = new Map<number, MessageRecord>();
  const records: MessageRecord[] = [];
  const addMessage = (id: number, from: string, to: string, sendUs: number, type: string, payload: unknown): void => {
    const record: MessageRecord = { id, from, to, sendUs, type, payload, delivers: [], highlighted: false };
    messages.set(id, record);
    records.push(record);
  };

  for (const e of events) {
    switch (e.kind) {
      case 'send':
        addMessage(e.id, e.from, e.to, e.t, messageType(e.msg), e.msg);
        break;
      case 'request':
        addMessage(e.id, e.from, e.to, e.t, `request:${requestOp(e.request)}`, e.request);
        break;
      case 'reply':
        addMessage(e.id, e.from, e.to, e.t, `reply:${e.result.type}`, e.result);
        break;
      case 'deliver': {
        messages.get(e.id)?.delivers.push(e.t);
        break;
      }
      case 'drop': {
        const record = messages.get(e.id);
        if (record !== undefined) {
          record.dropUs = e.t;
          record.dropReason = e.reason;
        }
        break;
      }
      case 'start': {
        if (!started.has(e.node)) {
          started.set(e.node, e.t);
          if (e.t > 0) bands.push([laneIndex.get(e.node)!, 0, e.t, 'stopped', 'not started']);
        }
        if (e.t > 0) marks.push([laneIndex.get(e.node)!, e.t, 'start', `${e.node} starts`, 0]);
        break;
      }
      case 'crash':
        downSince.set(e.node, e.t);
        closeRole(e.node, e.t);
        marks.push([laneIndex.get(e.node)!, e.t, 'crash', `${e.node} crashes`, 0]);
        break;
      case 'restart': {
        const since = downSince.get(e.node);
        if (since !== undefined) bands.push([laneIndex.get(e.node)!, since, e.t, 'down', `crashed ${formatUs(e.t - since)}`]);
        downSince.delete(e.node);
        marks.push([laneIndex.get(e.node)!, e.t, 'restart', `${e.node} restarts`, 0]);
        break;
      }
      case 'pause':
        pausedSince.set(e.node, e.t);
        marks.push([laneIndex.get(e.node)!, e.t, 'pause', `${e.node} paused`, 0]);
        break;
      case 'resume': {
        const since = pausedSince.get(e.node);
        if (since !== undefined) bands.push([laneIndex.get(e.node)!, since, e.t, 'paused', `paused ${formatUs(e.t - since)}`]);
        pausedSince.delete(e.node);
        marks.push([laneIndex.get(e.node)!, e.t, 'resume', `${e.node} resumes`, 0]);
        break;
      }
      case 'clock':
        marks.push([laneIndex.get(e.node)!, e.t, 'clock', `${e.node} clock offset ${formatSignedUs(e.offsetUs)}, drift ${e.drift}${e.resolutionUs !== undefined ? `, resolution ${e.resolutionUs}µs` : ''}`, 0]);
        break;
      case 'command':
        marks.push([laneIndex.get(e.node)!, e.t, 'command', `${e.node} command ${e.name} ${short(e.args, 160)}`, 0]);
        break;
      case 'note':
        notes.push([laneIndex.get(e.node)!, e.t, 'note', `${e.node} ${e.event}${e.data === undefined ? '' : ' ' + short(e.data, 200)}`, 0]);
        break;
      case 'state':
        states.push([laneIndex.get(e.node)!, e.t, e.summary.length > 200 ? e.summary.slice(0, 199) + '…' : e.summary]);
        break;
      case 'role':
        closeRole(e.node, e.t);
        if (e.role !== null) openRole.set(e.node, { startUs: e.t, role: e.role });
        break;
      case 'partition':
        openPartitions.set(String(e.id), { startUs: e.t, description: e.description });
        break;
      case 'heal': {
        const ids = e.id === undefined ? [...openPartitions.keys()] : [String(e.id)];
        for (const id of ids) {
          const open = openPartitions.get(id);
          if (open === undefined) continue;
          openPartitions.delete(id);
          partitions.push({ id, startUs: open.startUs, endUs: e.t, description: open.description, lanes: partitionLanes(open.description, laneIndex, knownNodes) });
        }
        break;
      }
      default:
        break;
    }
  }
  for (const [node, since] of downSince) bands.push([laneIndex.get(node)!, since, endUs, 'down', 'crashed until the end']);
  for (const [node, since] of pausedSince) bands.push([laneIndex.get(node)!, since, endUs, 'paused', 'paused until the end']);
  for (const node of [...openRole.keys()]) closeRole(node, endUs);
  for (const [id, open] of openPartitions) partitions.push({ id, startUs: open.startUs, endUs, description: open.description, lanes: partitionLanes(open.description, laneIndex, knownNodes) });
  // A spare that never booted (its peers may still address it).
  if (events.length > 0 && input.truncated !== true) for (const node of knownNodes) if (!started.has(node)) bands.push([laneIndex.get(node)!, 0, endUs, 'stopped', 'never started']);

  // ---- highlights on the timeline.
  const violationTimes = violations.map((v) => v.timeUs).filter((t): t is number => t !== null);
  const leaderLike = /leader|primary|master/i;
  for (const row of roles) {
    const node = laneIds[row[0]]!;
    if (!facts.nodes.has(node) || !leaderLike.test(row[3])) continue;
    if (violationTimes.some((t) => row[1] <= t && t <= row[2])) row[4] = 1;
  }
  for (const row of [...marks, ...notes]) {
    const node = laneIds[row[0]]!;
    if (!facts.nodes.has(node)) continue;
    if (row[2] === 'crash' || row[2] === 'restart' || row[2] === 'pause' || row[2] === 'resume') row[4] = 1;
    if (row[2] === 'note' && facts.terms.size > 0 && [...facts.terms].some((term) => new RegExp(`"term":${term}\\b`).test(row[3]))) row[4] = 1;
  }
  if (facts.values.size > 0) {
    // Messages that carried a lost value and never arrived: the way it was lost.
    let count = 0;
    for (const r of records) {
      if (count >= MAX_EVIDENCE_MESSAGES) break;
      if (r.dropUs === undefined || r.type.startsWith('reply:')) continue;
      // Tied to a node: only the drops on the way to the node that lacks the value.
      const wanted = facts.nodeValues.size > 0 ? facts.nodeValues.get(r.to) : facts.nodes.size === 0 || facts.nodes.has(r.to) ? facts.values : undefined;
      if (wanted === undefined) continue;
      if (containsValue(r.payload, wanted)) {
        r.highlighted = true;
        count++;
      }
    }
  }
  for (const r of records) if (r.highlighted) facts.timesUs.add(r.sendUs);

  // ---- choose the arrows to draw.
  const chosen = chooseMessages(records, [...violationTimes, ...facts.timesUs].sort((a, b) => a - b), limits.maxArrows);
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  const typeOf = (type: string): number => {
    let i = typeIndex.get(type);
    if (i === undefined) {
      i = types.length;
      types.push(type);
      typeIndex.set(type, i);
    }
    return i;
  };
  const arrows: ArrowRow[] = [];
  const keptByType = new Map<string, number>();
  const totalByType = new Map<string, number>();
  for (const r of records) totalByType.set(r.type, (totalByType.get(r.type) ?? 0) + 1);
  for (const r of chosen) {
    keptByType.set(r.type, (keptByType.get(r.type) ?? 0) + 1);
    const from = laneIndex.get(r.from);
    const to = laneIndex.get(r.to);
    if (from === undefined || to === undefined) continue;
    const type = typeOf(r.type);
    const content = short(r.payload, limits.maxContentChars);
    const hl: 0 | 1 = r.highlighted ? 1 : 0;
    for (const t of r.delivers) arrows.push([from, to, r.sendUs, t, type, 0, '', content, hl, r.id]);
    if (r.dropUs !== undefined) arrows.push([from, to, r.sendUs, r.dropUs, type, 1, r.dropReason ?? '', content, hl, r.id]);
    if (r.delivers.length === 0 && r.dropUs === undefined) arrows.push([from, to, r.sendUs, endUs, type, 2, '', content, hl, r.id]);
  }
  const omittedByType: Record<string, number> = {};
  for (const [type, total] of [...totalByType].sort((a, b) => b[1] - a[1])) {
    const left = total - (keptByType.get(type) ?? 0);
    if (left > 0) omittedByType[type] = left;
  }

  // ---- density of all messages, kept or not.
  const bucketUs = Math.max(1, Math.ceil(endUs / DENSITY_BUCKETS));
  const sent = new Array<number>(Math.ceil(endUs / bucketUs) + 1).fill(0);
  const dropped = new Array<number>(sent.length).fill(0);
  for (const r of records) {
    sent[Math.floor(r.sendUs / bucketUs)]!++;
    if (r.dropUs !== undefined) dropped[Math.floor(r.dropUs / bucketUs)]!++;
  }

  // ---- ops: highlighted first, then evenly; packed into rows per client lane.
  const keptOps = sampleEvenly(allOps, limits.maxOps, (op) => highlightedOps.has(op));
  const rowsByLane = new Map<number, number[]>();
  const ops: OpRow[] = [];
  for (const op of keptOps) {
    const lane = laneIndex.get(op.client)!;
    const start = op.invokeTimeUs ?? 0;
    const end = op.completeTimeUs ?? -1;
    let rowEnds = rowsByLane.get(lane);
    if (rowEnds === undefined) rowsByLane.set(lane, (rowEnds = []));
    let row = rowEnds.findIndex((freeFrom) => freeFrom <= start);
    if (row === -1) row = rowEnds.length < MAX_CLIENT_ROWS ? rowEnds.length : rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = end === -1 ? endUs : Math.max(end, start + 1);
    const role = roleOf(op);
    ops.push([lane, row, start, end, op.outcome, op.f, op.key ?? '', short(op.input, 120), op.outcome === 'ok' ? short(op.output, 120) : '', op.error ?? '', op.node ?? '', op.process, highlightedOps.has(op) ? 1 : 0, role?.role ?? '', role?.order ?? 0]);
  }
  const keptNotes = sampleEvenly(notes, limits.maxNotes, (n) => n[4] === 1 || looksImportant(n[3]));
  const keptStates = sampleEvenly(states, limits.maxStates, () => false);

  // ---- focus: where the violation is.
  const focusTimes = [...violationTimes, ...facts.timesUs].filter((t) => Number.isFinite(t));
  for (const a of arrows) if (a[8] === 1) focusTimes.push(a[2], a[3]);
  for (const o of ops) if (o[12] === 1) focusTimes.push(o[2], o[3] === -1 ? o[2] : o[3]);
  let focus: { startUs: number; endUs: number } | null = null;
  if (focusTimes.length > 0) {
    const lo = Math.min(...focusTimes);
    const hi = Math.max(...focusTimes);
    const pad = Math.max((hi - lo) * 0.15, endUs * 0.01, 1_000);
    focus = { startUs: Math.max(0, lo - pad), endUs: Math.min(endUs, hi + pad) };
  }

  const highlights: string[] = [];
  if (facts.nodes.size > 0) highlights.push(`nodes ${[...facts.nodes].sort(naturalCompare).join(', ')}`);
  if (facts.terms.size > 0) highlights.push(`term ${[...facts.terms].sort((a, b) => a - b).join(', ')}`);
  if (highlightedOps.size > 0) highlights.push(`${plural(highlightedOps.size, 'op')} named by the evidence`);
  const hlMessages = records.filter((r) => r.highlighted).length;
  if (hlMessages > 0) highlights.push(`${plural(hlMessages, 'dropped message')} that carried a value the evidence names`);
  if (roles.some((r) => r[4] === 1)) highlights.push(`${plural(roles.filter((r) => r[4] === 1).length, 'leader period')} overlapping the violation`);

  const laneHighlighted = new Set<number>();
  for (const node of facts.nodes) laneHighlighted.add(laneIndex.get(node)!);
  const m = result.messages;
  return {
    version: 1,
    meta: {
      scenario: result.scenario,
      file: result.file,
      protocol: result.protocol,
      flaws: result.flaws,
      seed: result.seed,
      traceHash: result.traceHash,
      kernelEvents: result.events,
      traceEvents: events.length,
      truncated: input.truncated === true,
      endUs,
      expected: result.expected === 'pass' ? 'pass' : `violates ${result.expected.violates.join(', ')}`,
      expectation: result.expectation,
      finalReadFromUs: result.finalReadFromUs ?? null,
      messages: `${m.messagesSent} sent, ${m.messagesDelivered} delivered, ${m.messagesDropped} dropped, ${m.messagesDuplicated} duplicated`,
      ops: `${result.ops.invoked} invoked: ${result.ops.ok} ok, ${result.ops.fail} fail, ${result.ops.info} info`,
    },
    lanes: laneIds.map((id, i) => {
      const group = groupOfNode.get(id);
      return {
        id,
        kind: clientIds.has(id) || id === 'clients' ? 'client' : 'node',
        rows: Math.max(1, rowsByLane.get(i)?.length ?? 1),
        highlighted: laneHighlighted.has(i),
        ...(group !== undefined ? { group } : {}),
      };
    }),
    types,
    bands,
    roles,
    states: keptStates,
    partitions,
    marks: [...marks, ...keptNotes].sort((a, b) => a[1] - b[1]),
    arrows,
    ops,
    checks: result.checks.map((c) => ({
      name: c.name,
      verdict: c.verdict,
      detail: c.detail,
      evidence: c.evidence === undefined ? null : short(c.evidence, MAX_EVIDENCE_CHARS),
      table: c.verdict === 'pass' ? null : evidenceTable(c.evidence, clientOf),
    })),
    linearization: explained?.view ?? null,
    violations,
    highlights,
    focus,
    omitted: {
      messages: records.length - chosen.length,
      messagesTotal: records.length,
      byType: omittedByType,
      ops: allOps.length - keptOps.length,
      opsTotal: allOps.length,
      notes: notes.length - keptNotes.length,
      notesTotal: notes.length,
      states: states.length - keptStates.length,
      statesTotal: states.length,
    },
    density: { bucketUs, sent, dropped },
  };
}

/**
 * Picks at most `max` messages: the highlighted ones, then those nearest the focus times, then
 * evenly spaced among the rest. Returns them in send order.
 */
export function chooseMessages<T extends { readonly sendUs: number; readonly highlighted: boolean }>(records: readonly T[], focusTimes: readonly number[], max: number): T[] {
  if (records.length <= max) return [...records];
  const keep = new Uint8Array(records.length);
  let kept = 0;
  const evidenceBudget = Math.floor(max * EVIDENCE_SHARE);
  for (let i = 0; i < records.length && kept < evidenceBudget; i++) {
    if (records[i]!.highlighted) {
      keep[i] = 1;
      kept++;
    }
  }
  // Around each focus point (records are in send order): expand outwards, nearest first.
  const points = distinctSample(focusTimes, MAX_FOCUS_POINTS);
  if (points.length > 0) {
    const perPoint = Math.floor((max * FOCUS_SHARE) / points.length);
    for (const t of points) {
      let right = lowerBound(records, t);
      let left = right - 1;
      let taken = 0;
      while (taken < perPoint && (left >= 0 || right < records.length)) {
        const takeLeft = right >= records.length || (left >= 0 && t - records[left]!.sendUs <= records[right]!.sendUs - t);
        const i = takeLeft ? left-- : right++;
        if (keep[i] === 0) {
          keep[i] = 1;
          kept++;
          taken++;
        }
      }
    }
  }
  fillEvenly(keep, kept, max);
  const out: T[] = [];
  for (let i = 0; i < records.length; i++) if (keep[i] === 1) out.push(records[i]!);
  return out;
}

/** Marks evenly spaced unmarked items until `max` are marked (`kept` already are). */
function fillEvenly(keep: Uint8Array, kept: number, max: number): void {
  const budget = max - kept;
  const remaining = keep.length - kept;
  if (budget <= 0 || remaining <= 0) return;
  const stride = remaining / budget;
  let next = 0;
  let seen = 0;
  for (let i = 0; i < keep.length && kept < max; i++) {
    if (keep[i] === 1) continue;
    if (seen >= next) {
      keep[i] = 1;
      kept++;
      next += stride;
    }
    seen++;
  }
}

/** Keeps every preferred item (up to max), then evenly spaced others; original order. */
export function sampleEvenly<T>(items: readonly T[], max: number, preferred: (item: T) => boolean): T[] {
  if (items.length <= max) return [...items];
  const keep = new Uint8Array(items.length);
  let kept = 0;
  for (let i = 0; i < items.length && kept < max; i++) {
    if (preferred(items[i]!)) {
      keep[i] = 1;
      kept++;
    }
  }
  fillEvenly(keep, kept, max);
  return items.filter((_, i) => keep[i] === 1);
}

function lowerBound(records: readonly { readonly sendUs: number }[], t: number): number {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (records[mid]!.sendUs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function distinctSample(sorted: readonly number[], max: number): number[] {
  const distinct = [...new Set(sorted)];
  if (distinct.length <= max) return distinct;
  return Array.from({ length: max }, (_, i) => distinct[Math.floor((i * (distinct.length - 1)) / (max - 1))]!);
}

/** Notes worth a glance in a timeline: elections, leadership, loss, conflicts, errors, sessions and leases running out. */
export function looksImportant(text: string): boolean {
  return /elect|leader|term|promot|demot|step.?down|fail.?over|become|became|lost|conflict|rollback|roll.?back|truncat|stale|split|error|fail|reject|abort|diverg|violat|panic|fence|epoch|quorum|expire|lapse/i.test(text);
}

function messageType(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null && typeof (msg as { type?: unknown }).type === 'string') return (msg as { type: string }).type;
  return 'message';
}

function requestOp(request: unknown): string {
  const op = (request as { op?: { f?: unknown } } | null)?.op;
  return typeof op?.f === 'string' ? op.f : 'op';
}

function partitionLanes(description: string, laneIndex: ReadonlyMap<string, number>, knownNodes: ReadonlySet<string>): number[] {
  const facts = emptyFacts();
  scanProse(description, knownNodes, facts);
  const lanes = [...facts.nodes].map((n) => laneIndex.get(n)!);
  return lanes.length > 0 ? lanes.sort((a, b) => a - b) : [...knownNodes].map((n) => laneIndex.get(n)!).sort((a, b) => a - b);
}

function formatSignedUs(us: number): string {
  return us < 0 ? `-${formatUs(-us)}` : `+${formatUs(us)}`;
}

/** Compact JSON of at most `max` characters (the one implementation lives in core). */
export const short = shortJson;

/** n2 before n10: compares a name's text, then its trailing number (no locale: the same everywhere). */
export function naturalCompare(a: string, b: string): number {
  const pa = /^(.*?)(\d*)$/.exec(a)!;
  const pb = /^(.*?)(\d*)$/.exec(b)!;
  if (pa[1] !== pb[1]) return pa[1]! < pb[1]! ? -1 : 1;
  const na = pa[2] === '' ? -1 : Number(pa[2]);
  const nb = pb[2] === '' ? -1 : Number(pb[2]);
  return na !== nb ? na - nb : a < b ? -1 : a > b ? 1 : 0;
}
