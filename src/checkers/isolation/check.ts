/**
 * The isolation checker (after Elle: Kingsbury & Alvaro, VLDB 2020; anomalies after Adya's
 * thesis). From a transactional history it infers ww, wr and rw dependencies (and process and
 * real-time order when the consistency model asks for them), finds the strongly connected
 * components of that graph, and within each looks for the shortest cycle of every anomaly class;
 * key-by-key anomalies (aborted and intermediate reads, lost updates, ...) come from the data
 * model's analysis. Each anomaly names the weakest consistency model it rules out, and the
 * evidence is a cycle with one sentence per edge.
 *
 * Cost: linear in the history for the inference and the components (Tarjan); the cycle searches
 * are breadth-first within components only, each bounded by a step budget proportional to the
 * component's size, so a valid history (no cycles) costs no search at all.
 */
import type { Operation } from '../../core/history.js';
import { describeTxn, type Analysis, type DataAnomaly } from './analysis.js';
import { CycleSearcher, type Cycle, type CycleShape } from './cycles.js';
import { GraphBuilder, PO, RT, RW, WR, WW, kindOfBit, stronglyConnected, type EdgeKind, type Graph } from './graph.js';
import { analyzeListAppend } from './list-append.js';
import {
  forbids,
  meaningOf,
  modelRank,
  orderEdgesFor,
  weakestViolatedBy,
  type AnomalyType,
  type ConsistencyModel,
  type CycleClass,
  type DataAnomalyType,
} from './models.js';
import { addProcessEdges, addRealtimeEdges } from './order.js';
import { analyzeRwRegister } from './rw-register.js';
import { formatMopsBrief, txnsOf, type Txn } from './txn.js';

export type TxnModel = 'list-append' | 'rw-register';
export const TXN_MODELS: readonly TxnModel[] = ['list-append', 'rw-register'];

export interface IsolationOptions {
  readonly model: TxnModel;
  /** The model the history is judged against (default strict-serializable). */
  readonly consistency?: ConsistencyModel;
  /** Anomalies kept in full per type (all are counted); default 8. */
  readonly examplesPerType?: number;
  /** Extra search steps allowed per component, per edge in it (default 40). */
  readonly searchStepsPerEdge?: number;
}

/** A transaction as evidence shows it. */
export interface TxnRef {
  readonly name: string;
  readonly process: number;
  readonly outcome: 'ok' | 'info' | 'fail';
  readonly value: string;
  readonly invokeIndex: number;
  readonly completeIndex: number | null;
  readonly invokeTimeUs?: number;
  readonly completeTimeUs?: number;
  readonly node?: string;
}

export interface CycleStep {
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  readonly explanation: string;
}

export type Anomaly =
  | { readonly kind: 'cycle'; readonly type: AnomalyType; readonly txns: readonly TxnRef[]; readonly steps: readonly CycleStep[]; readonly explanation: string }
  | { readonly kind: 'data'; readonly type: DataAnomalyType; readonly key?: unknown; readonly txns: readonly TxnRef[]; readonly explanation: string };

export interface IsolationStats {
  readonly txns: number;
  readonly ok: number;
  readonly info: number;
  readonly fail: number;
  /** Non-txn ops in the history (not judged). */
  readonly skippedOps: number;
  readonly edges: Readonly<Record<EdgeKind, number>>;
  /** Components with a cycle, and the largest one's size. */
  readonly cyclicComponents: number;
  readonly largestComponent: number;
  readonly searchSteps: number;
  /** Dependencies not added because a key had too many of them (rw-register's reads of nil). */
  readonly skippedEdges: number;
}

export interface IsolationResult {
  readonly model: TxnModel;
  readonly consistency: ConsistencyModel;
  /** No anomaly the consistency model forbids. */
  readonly valid: boolean;
  /** Every anomaly type found, in order of the weakest model it violates. */
  readonly anomalyTypes: readonly AnomalyType[];
  readonly counts: Readonly<Partial<Record<AnomalyType, number>>>;
  /** Examples, the most severe first; cycles shortest first within a type. */
  readonly anomalies: readonly Anomaly[];
  /** The weakest of the named models this history violates, if any. */
  readonly weakestViolated?: ConsistencyModel;
  readonly stats: IsolationStats;
}

const DATA_KINDS = WW | WR | RW;

/** Anomaly classes searched in every cyclic component, with their shapes over data edges. */
const CLASSES: ReadonlyArray<{ readonly cls: CycleClass; readonly shape: Omit<CycleShape, 'needOrder'> }> = [
  { cls: 'G0', shape: { allowed: WW, rw: 'none', needWr: false } },
  { cls: 'G1c', shape: { allowed: WW | WR, rw: 'none', needWr: true } },
  { cls: 'G-single', shape: { allowed: DATA_KINDS, rw: 'one', needWr: false } },
  { cls: 'G2-item', shape: { allowed: DATA_KINDS, rw: 'two-or-more', needWr: false } },
];

export function checkIsolation(ops: readonly Operation[], options: IsolationOptions): IsolationResult {
  const consistency = options.consistency ?? 'strict-serializable';
  const keep = options.examplesPerType ?? 8;
  const { txns, skipped } = txnsOf(ops);
  const analysis: Analysis & { skippedEdges?: number } = options.model === 'list-append' ? analyzeListAppend(txns, keep) : analyzeRwRegister(txns, keep);

  const builder = new GraphBuilder(txns.length);
  analysis.addEdges(builder);
  const order = orderEdgesFor(consistency);
  if (order.process) addProcessEdges(txns, builder);
  if (order.realtime) addRealtimeEdges(txns, builder);
  const graph = builder.build();

  const found = searchCycles(graph, txns, analysis, { order: order.process || order.realtime, stepsPerEdge: options.searchStepsPerEdge ?? 40, keep });

  const counts: Partial<Record<AnomalyType, number>> = {};
  for (const [type, n] of analysis.anomalies.counts) counts[type] = n;
  for (const [type, n] of found.counts) counts[type] = (counts[type] ?? 0) + n;
  const anomalyTypes = (Object.keys(counts) as AnomalyType[]).sort((a, b) => modelRank(weakestViolatedBy(a)) - modelRank(weakestViolatedBy(b)) || (a < b ? -1 : 1));
  const anomalies: Anomaly[] = [...analysis.anomalies.kept.map((a) => dataAnomaly(a, txns)), ...found.kept];
  anomalies.sort((a, b) => modelRank(weakestViolatedBy(a.type)) - modelRank(weakestViolatedBy(b.type)) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) || a.txns.length - b.txns.length);
  const weakest = anomalyTypes.length === 0 ? undefined : weakestViolatedBy(anomalyTypes[0]!);

  return {
    model: options.model,
    consistency,
    valid: !anomalyTypes.some((t) => forbids(consistency, t)),
    anomalyTypes,
    counts,
    anomalies,
    ...(weakest !== undefined ? { weakestViolated: weakest } : {}),
    stats: {
      txns: txns.length,
      ok: txns.filter((t) => t.outcome === 'ok').length,
      info: txns.filter((t) => t.outcome === 'info').length,
      fail: txns.filter((t) => t.outcome === 'fail').length,
      skippedOps: skipped,
      edges: graph.countByKind(),
      cyclicComponents: found.components,
      largestComponent: found.largest,
      searchSteps: found.steps,
      skippedEdges: analysis.skippedEdges ?? 0,
    },
  };
}

interface Found {
  readonly counts: Map<AnomalyType, number>;
  readonly kept: Anomaly[];
  components: number;
  largest: number;
  steps: number;
}

/**
 * Cycle search. Each anomaly class is looked for in the components of the subgraph of the kinds it
 * may use (a write cycle among the ww edges' components, and so on), so a class is found whenever
 * it exists among those kinds; then, when order edges are in the graph, in the components of the
 * whole graph for cycles that need process or real-time order to close.
 */
function searchCycles(graph: Graph, txns: readonly Txn[], analysis: Analysis, options: { order: boolean; stepsPerEdge: number; keep: number }): Found {
  const searcher = new CycleSearcher(graph);
  const found: Found = { counts: new Map(), kept: [], components: 0, largest: 0, steps: 0 };
  const record = (cycle: Cycle): void => {
    const type = classify(cycle);
    const n = found.counts.get(type) ?? 0;
    found.counts.set(type, n + 1);
    if (n < options.keep) found.kept.push(cycleAnomaly(type, cycle, txns, analysis));
  };
  const budgetOf = (members: readonly number[]): number => options.stepsPerEdge * edgesWithin(graph, members) + 1_000;

  const byMask = new Map<number, number[][]>();
  const componentsOf = (mask: number): number[][] => {
    let list = byMask.get(mask);
    if (list === undefined) byMask.set(mask, (list = stronglyConnected(graph, mask).cyclic));
    return list;
  };
  const all = componentsOf(options.order ? DATA_KINDS | PO | RT : DATA_KINDS);
  found.components = all.length;
  found.largest = all.reduce((max, c) => Math.max(max, c.length), 0);
  if (all.length === 0) return found;

  // Write cycles and circular information flow: exact, since every component of the ww (or ww+wr)
  // edges holds one.
  const inWriteReadCycle = new Uint8Array(graph.nodes);
  for (const { shape } of CLASSES.slice(0, 2)) {
    for (const members of componentsOf(shape.allowed)) {
      for (const v of members) inWriteReadCycle[v] = 1;
      const cycle = searcher.find(members, { ...shape, needOrder: false }, budgetOf(members));
      if (cycle !== undefined) record(cycle);
    }
  }
  // Anti-dependency cycles: G-single and G2-item searched in each data component; one that shows
  // neither within its budget, and holds no write/read cycle already reported, still holds a
  // cycle: the first one breadth-first search finds, whatever its shape.
  for (const members of componentsOf(DATA_KINDS)) {
    let any = false;
    for (const { shape } of CLASSES.slice(2)) {
      const cycle = searcher.find(members, { ...shape, needOrder: false }, budgetOf(members));
      if (cycle !== undefined) {
        record(cycle);
        any = true;
      }
    }
    if (!any && !members.some((v) => inWriteReadCycle[v] === 1)) {
      const cycle = searcher.find(members, { allowed: DATA_KINDS, rw: 'any', needWr: false, needOrder: false }, 0);
      if (cycle !== undefined) record(cycle);
    }
  }
  if (options.order) {
    for (const members of all) {
      if (!hasOrderEdgeWithin(graph, members)) continue;
      let any = false;
      for (const { shape } of CLASSES) {
        for (const order of [PO, PO | RT]) {
          const cycle = searcher.find(members, { ...shape, allowed: shape.allowed | order, needOrder: true }, budgetOf(members));
          if (cycle !== undefined) {
            record(cycle);
            any = true;
            break;
          }
        }
      }
      if (!any) {
        const cycle = searcher.find(members, { allowed: DATA_KINDS | PO | RT, rw: 'any', needWr: false, needOrder: true }, 0);
        if (cycle !== undefined) record(cycle);
      }
    }
  }
  found.steps = searcher.steps;
  return found;
}

function edgesWithin(graph: Graph, members: readonly number[]): number {
  let count = 0;
  for (const v of members) count += graph.offsets[v + 1]! - graph.offsets[v]!;
  return count;
}

function hasOrderEdgeWithin(graph: Graph, members: readonly number[]): boolean {
  const inside = new Set(members);
  for (const v of members) for (let e = graph.offsets[v]!; e < graph.offsets[v + 1]!; e++) if ((graph.kinds[e]! & (PO | RT)) !== 0 && inside.has(graph.targets[e]!)) return true;
  return false;
}

/** The anomaly a cycle is, from the kinds it actually uses. */
export function classify(cycle: Cycle): AnomalyType {
  const kinds = cycle.kinds;
  const rw = kinds.filter((k) => k === RW).length;
  const wr = kinds.some((k) => k === WR);
  let cls: CycleClass;
  if (rw === 0) cls = wr ? 'G1c' : 'G0';
  else if (rw === 1) cls = 'G-single';
  else {
    // Anti-dependencies never next to each other (cyclically): snapshot isolation forbids it.
    const adjacent = kinds.some((k, i) => k === RW && kinds[(i + 1) % kinds.length] === RW);
    cls = adjacent ? 'G2-item' : 'G-nonadjacent';
  }
  const suffix = kinds.includes(RT) ? '-realtime' : kinds.includes(PO) ? '-process' : '';
  return `${cls}${suffix}` as AnomalyType;
}

export function txnRef(txn: Txn): TxnRef {
  return {
    name: txn.name,
    process: txn.process,
    outcome: txn.outcome,
    value: formatMopsBrief(txn.mops),
    invokeIndex: txn.invokeIndex,
    completeIndex: txn.completeIndex === Infinity ? null : txn.completeIndex,
    ...(txn.invokeTimeUs !== undefined ? { invokeTimeUs: txn.invokeTimeUs } : {}),
    ...(txn.completeTimeUs !== undefined ? { completeTimeUs: txn.completeTimeUs } : {}),
    ...(txn.node !== undefined ? { node: txn.node } : {}),
  };
}

function dataAnomaly(a: DataAnomaly, txns: readonly Txn[]): Anomaly {
  return { kind: 'data', type: a.type, ...(a.key !== undefined ? { key: a.key } : {}), txns: a.txns.map((t) => txnRef(txns[t]!)), explanation: a.explanation };
}

function cycleAnomaly(type: AnomalyType, cycle: Cycle, txns: readonly Txn[], analysis: Analysis): Anomaly {
  const steps: CycleStep[] = cycle.nodes.map((from, i) => {
    const to = cycle.nodes[(i + 1) % cycle.nodes.length]!;
    const bit = cycle.kinds[i]!;
    return { from: txns[from]!.name, to: txns[to]!.name, kind: kindOfBit(bit), explanation: explainEdge(txns[from]!, txns[to]!, bit, analysis) };
  });
  const names = cycle.nodes.map((n) => txns[n]!.name);
  return {
    kind: 'cycle',
    type,
    txns: cycle.nodes.map((n) => txnRef(txns[n]!)),
    steps,
    explanation: `${meaningOf(type)}: ${[...names, names[0]].join(' → ')}`,
  };
}

export function explainEdge(from: Txn, to: Txn, bit: number, analysis: Analysis): string {
  if (bit === PO) return `${from.name} and ${to.name} ran on process ${from.process}, ${from.name} first, so ${from.name} → ${to.name} (process)`;
  if (bit === RT) {
    return `${from.name} completed (history index ${from.completeIndex}) before ${to.name} was invoked (index ${to.invokeIndex}), so ${from.name} → ${to.name} (realtime)`;
  }
  return analysis.explain(from, to, bit) ?? `${from.name} → ${to.name} (${kindOfBit(bit)})`;
}

/** One line per anomaly for humans, used by the CLI and run checks. */
export function describeAnomaly(a: Anomaly): string {
  return a.kind === 'cycle' ? a.explanation : `${meaningOf(a.type)}: ${a.explanation}`;
}

export { describeTxn };
