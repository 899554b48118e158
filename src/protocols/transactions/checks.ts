/**
 * The store's own end-of-run checks.
 * - isolation: the history shows no anomaly the configured isolation forbids (serializable
 *   promises strict serializability: strict 2PL and a commit acknowledged after its decision is
 *   logged; read committed promises read committed).
 * - non-blocking: no participant stayed in doubt (prepared, holding its locks, waiting for a
 *   decision) longer than blockingBound. The detail measures the in-doubt times either way.
 */
import { pairOperations } from '../../core/history.js';
import type { CheckVerdict, ProtocolCheck, ProtocolCheckInput } from '../../core/protocol.js';
import { formatUs } from '../../core/time.js';
import { checkIsolation, describeAnomaly, forbids, type ConsistencyModel } from '../../checkers/isolation/index.js';
import type { BlockingStats, TxState } from './types.js';

export function isolationCheck(promised: ConsistencyModel, model: 'list-append' | 'rw-register'): ProtocolCheck<TxState> {
  return {
    name: 'isolation',
    description: `the history shows no anomaly ${promised} forbids (the isolation the store promises)`,
    check: ({ history }: ProtocolCheckInput<TxState>): CheckVerdict => {
      const result = checkIsolation(pairOperations(history), { model, consistency: promised });
      const s = result.stats;
      const counts = result.anomalyTypes.map((t) => `${t} ×${result.counts[t]}`).join(', ');
      if (result.valid) {
        return { verdict: 'pass', detail: `${promised}: ${s.txns} txns (${s.ok} ok, ${s.fail} fail, ${s.info} info), ${result.anomalyTypes.length === 0 ? 'no anomalies' : `only anomalies it allows (${counts})`}`, evidence: result };
      }
      const first = result.anomalies.find((a) => forbids(promised, a.type));
      return {
        verdict: 'fail',
        detail: `${promised} promised, but ${counts} in ${s.txns} txns (weakest model violated: ${result.weakestViolated})${first !== undefined ? `; e.g. ${describeAnomaly(first)}` : ''}`,
        evidence: result,
      };
    },
  };
}

export function nonBlockingCheck(boundUs: number): ProtocolCheck<TxState> {
  return {
    name: 'non-blocking',
    description: `no participant stays in doubt (prepared, locks held, no decision) longer than ${formatUs(boundUs)}`,
    check: ({ nodes }): CheckVerdict => {
      const total: BlockingStats = { prepared: 0, resolved: 0, totalUs: 0, maxUs: 0, blocked: 0, buckets: [] };
      let unresolved = 0;
      const perNode: Record<string, { blocked: number; maxUs: number }> = {};
      for (const node of nodes) {
        const state = node.state;
        if (state === undefined) continue;
        const b = state.blocking;
        total.prepared += b.prepared;
        total.resolved += b.resolved;
        total.totalUs += b.totalUs;
        total.maxUs = Math.max(total.maxUs, b.maxUs);
        total.blocked += b.blocked;
        b.buckets.forEach((count, i) => (total.buckets[i] = (total.buckets[i] ?? 0) + count));
        const open = [...state.txns.values()].filter((t) => t.record !== null).length;
        unresolved += open;
        if (b.blocked > 0 || open > 0) perNode[node.id] = { blocked: b.blocked + open, maxUs: b.maxUs };
      }
      if (total.resolved === 0 && unresolved === 0) return { verdict: 'pass', detail: 'no participant prepared' };
      const measured = `${total.resolved} in-doubt periods: p50 ${formatUs(Math.min(total.maxUs, quantile(total.buckets, 0.5)))}, p99 ${formatUs(Math.min(total.maxUs, quantile(total.buckets, 0.99)))}, max ${formatUs(total.maxUs)}, ${formatUs(total.totalUs)} of locks held in all`;
      const blocked = total.blocked + unresolved;
      if (blocked === 0) return { verdict: 'pass', detail: `${measured}; none longer than ${formatUs(boundUs)}` };
      return {
        verdict: 'fail',
        detail: `${measured}; ${total.blocked} blocked longer than ${formatUs(boundUs)}${unresolved > 0 ? `, ${unresolved} still in doubt at the end` : ''}`,
        evidence: perNode,
      };
    },
  };
}

/** An upper estimate of a quantile from the quarter-octave buckets (the bucket's upper edge, within 19%). */
function quantile(buckets: readonly number[], q: number): number {
  const count = buckets.reduce((a, b) => a + b, 0);
  if (count === 0) return 0;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0;
    if (seen >= q * count) return Math.round(2 ** ((i + 1) / 4));
  }
  return Math.round(2 ** (buckets.length / 4));
}
