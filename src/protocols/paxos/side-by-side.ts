/**
 * Paxos and Raft side by side: given the runs of one directory of scenarios that put the same
 * workload and fault plan on different consensus protocols (scenarios/paxos-vs-raft/), one row per
 * run: ops ok and info, write latency, messages per acknowledged op, time without a leader, and
 * the verdicts. Pure data: the CLI renders it after a directory run, like the master-slave table.
 */
import { formatUs } from '../../core/time.js';

/** The part of a run result the table reads (the runner's RunResult has all of it). */
export interface ConsensusRun {
  readonly scenario: string;
  readonly file: string;
  readonly protocol: string;
  readonly checks: readonly { readonly name: string; readonly verdict: string }[];
  readonly ops: { readonly ok: number; readonly info: number; readonly invoked: number };
  readonly latency: Readonly<Record<string, { readonly p50Us: number; readonly p99Us: number }>>;
  readonly messages: { readonly messagesSent: number; readonly leaderlessUs: number };
  readonly virtualTimeUs: number;
}

/** The protocols compared: a directory whose runs include two or more of them gets a table. */
export const CONSENSUS_PROTOCOLS: ReadonlySet<string> = new Set(['raft', 'paxos', 'cas-paxos']);

/** One table per directory that runs at least two consensus protocols; rows in the order run. */
/** A table as data: the CLI formats it like every other table. */
export interface SideBySideTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export function sideBySideTables(runs: readonly ConsensusRun[]): Array<{ readonly directory: string; readonly table: SideBySideTable }> {
  const byDirectory = new Map<string, ConsensusRun[]>();
  for (const run of runs) {
    if (!CONSENSUS_PROTOCOLS.has(run.protocol)) continue;
    const directory = run.file.replace(/[\\/][^\\/]*$/, '');
    let group = byDirectory.get(directory);
    if (group === undefined) byDirectory.set(directory, (group = []));
    group.push(run);
  }
  const tables: Array<{ directory: string; table: SideBySideTable }> = [];
  for (const [directory, group] of byDirectory) {
    if (new Set(group.map((r) => r.protocol)).size < 2) continue;
    tables.push({ directory, table: { header: HEADER, rows: group.map(row) } });
  }
  return tables;
}

const HEADER = ['protocol', 'scenario', 'ops ok/invoked', 'info', 'write p50', 'write p99', 'msgs/ok op', 'no leader', 'verdicts'];

function row(run: ConsensusRun): string[] {
  const write = run.latency['write'];
  const failed = run.checks.filter((c) => c.verdict === 'fail').map((c) => c.name);
  const unknown = run.checks.filter((c) => c.verdict !== 'fail' && c.verdict !== 'pass').map((c) => c.name);
  const verdicts = failed.length === 0 && unknown.length === 0 ? `all ${run.checks.length} held` : [...failed.map((n) => `${n} broken`), ...unknown.map((n) => `${n} unknown`)].join(', ');
  // A configuration without leaders (leader: none, CASPaxos) was leaderless all along: not a gap.
  const leaderless = run.messages.leaderlessUs >= run.virtualTimeUs ? 'no leader role' : formatUs(run.messages.leaderlessUs);
  return [
    run.protocol,
    run.scenario,
    `${run.ops.ok}/${run.ops.invoked}`,
    String(run.ops.info),
    write === undefined ? '-' : formatUs(write.p50Us),
    write === undefined ? '-' : formatUs(write.p99Us),
    run.ops.ok === 0 ? '-' : (run.messages.messagesSent / run.ops.ok).toFixed(1),
    leaderless,
    verdicts,
  ];
}
