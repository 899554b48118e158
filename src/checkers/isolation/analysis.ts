/**
 * What a data model's analysis (list-append, rw-register) gives the checker: the anomalies it
 * sees key by key, the ww / wr / rw edges it infers, and a sentence for any edge it inferred.
 */
import type { GraphBuilder } from './graph.js';
import type { DataAnomalyType } from './models.js';
import { formatMops, type Txn } from './txn.js';

/** An anomaly found without a cycle. */
export interface DataAnomaly {
  readonly type: DataAnomalyType;
  readonly key?: unknown;
  /** The transactions involved, by index. */
  readonly txns: readonly number[];
  /** One sentence naming the evidence. */
  readonly explanation: string;
}

export interface Analysis {
  /** Anomalies seen key by key: all counted, the first few of each type kept. */
  readonly anomalies: AnomalySink;
  /** Adds the inferred dependencies (graph nodes are transaction indexes). */
  addEdges(graph: GraphBuilder): void;
  /** Why `from` → `to` carries this kind (WW, WR or RW), in one sentence; undefined if it does not. */
  explain(from: Txn, to: Txn, kind: number): string | undefined;
}

/** A history's precondition the analysis cannot work without (unique written values). */
export class TxnInputError extends Error {
  constructor(
    /** History index of the invocation at fault. */
    readonly eventIndex: number,
    message: string,
  ) {
    super(message);
    this.name = 'TxnInputError';
  }
}

/**
 * Map identity for written values: numbers as themselves, strings and other data tagged so that
 * 1, "1" and [1] stay apart.
 */
export function valueId(value: unknown): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return `s${value}`;
  return `j${JSON.stringify(value)}`;
}

/** A bounded list of anomalies of one analysis: every one counted, the first few kept in full. */
export class AnomalySink {
  readonly kept: DataAnomaly[] = [];
  readonly counts = new Map<DataAnomalyType, number>();

  constructor(private readonly keepPerType: number) {}

  add(type: DataAnomalyType, make: () => Omit<DataAnomaly, 'type'>): void {
    const count = this.counts.get(type) ?? 0;
    this.counts.set(type, count + 1);
    if (count < this.keepPerType) this.kept.push({ type, ...make() });
  }
}

export function describeTxn(txn: Txn): string {
  return `${txn.name} ${formatMops(txn.mops)}`;
}
