/** Text rendering of run results for terminals and CI logs. */
import chalk from 'chalk';
import { formatUs } from '../core/time.js';
import type { CheckResult, RunResult } from '../runner/index.js';

export function verdictMark(verdict: CheckResult['verdict']): string {
  switch (verdict) {
    case 'pass':
      return chalk.green('✓');
    case 'fail':
      return chalk.red('✗');
    case 'unknown':
      return chalk.yellow('?');
  }
}

export function expectationText(result: RunResult): string {
  const expected = result.expected === 'pass' ? 'expected: pass' : `expected to violate: ${result.expected.violates.join(', ')}`;
  switch (result.expectation) {
    case 'held':
      return `${chalk.green.bold('HELD')} (${expected})`;
    case 'broken':
      return `${chalk.red.bold('BROKEN')} (${expected})`;
    case 'inconclusive':
      return `${chalk.yellow.bold('INCONCLUSIVE')} (${expected}; a check could not decide)`;
  }
}

const n = (x: number): string => x.toLocaleString('en-US');

/** The readable summary of one run. */
/** `simulateMs`: the wall time of the simulation alone (the rest of `wallMs` is checking). */
export function formatRun(result: RunResult, wallMs: number, simulateMs?: number): string {
  const lines: string[] = [];
  const label = (text: string): string => chalk.dim(text.padEnd(10));
  lines.push(`${label('scenario')}${chalk.bold(result.scenario)} ${chalk.dim(`(${result.file})`)}`);
  const flaws = result.flaws.length > 0 ? `  flaws ${chalk.magenta(result.flaws.join(', '))}` : '';
  lines.push(`${label('cluster')}${result.protocol}, ${result.nodes} nodes, seed ${result.seed}${flaws}`);
  const applied = result.faults.filter((f) => !f.skipped);
  const skipped = result.faults.length - applied.length;
  if (result.faults.length === 0) lines.push(`${label('faults')}none`);
  else {
    lines.push(`${label('faults')}${applied.length} applied${skipped > 0 ? `, ${skipped} skipped` : ''}`);
    for (const f of result.faults.slice(0, 12)) lines.push(`${' '.repeat(10)}${chalk.dim(formatUs(f.atUs).padStart(7))}  ${f.skipped ? chalk.dim(f.description) : f.description}`);
    if (result.faults.length > 12) lines.push(`${' '.repeat(10)}${chalk.dim(`... ${result.faults.length - 12} more`)}`);
  }
  const o = result.ops;
  lines.push(`${label('ops')}${n(o.invoked)} invoked: ${chalk.green(n(o.ok) + ' ok')}, ${n(o.fail)} fail, ${o.info > 0 ? chalk.yellow(n(o.info) + ' info') : '0 info'}${o.shed > 0 ? `, ${n(o.shed)} shed` : ''}${o.redirects > 0 ? `  (${n(o.redirects)} redirects)` : ''}`);
  const lat = Object.entries(result.latency)
    .map(([f, l]) => `${f} p50 ${formatUs(l.p50Us)} p99 ${formatUs(l.p99Us)}`)
    .join(', ');
  if (lat !== '') lines.push(`${label('latency')}${lat}`);
  const m = result.messages;
  const reasons = Object.entries(m.dropsByReason)
    .filter(([, count]) => count > 0)
    .map(([reason, count]) => `${reason} ${n(count)}`)
    .join(', ');
  lines.push(`${label('messages')}${n(m.messagesSent)} sent, ${n(m.messagesDelivered)} delivered, ${n(m.messagesDropped)} dropped${reasons ? ` (${reasons})` : ''}, ${n(m.messagesDuplicated)} duplicated`);
  const simMs = simulateMs ?? wallMs;
  const speed = simMs > 0 ? ` (${n(Math.round(result.virtualTimeUs / 1000 / simMs))}x real time)` : '';
  const checking = simulateMs !== undefined ? `, then ${Math.max(0, wallMs - simulateMs).toFixed(0)}ms checking` : '';
  lines.push(`${label('events')}${n(result.events)} in ${formatUs(result.virtualTimeUs)} virtual: ${simMs.toFixed(0)}ms simulating${speed}${checking}`);
  lines.push(`${label('trace')}${result.traceHash}`);
  const width = Math.max(...result.checks.map((c) => c.name.length));
  result.checks.forEach((check, i) => {
    lines.push(`${label(i === 0 ? 'checks' : '')}${verdictMark(check.verdict)} ${check.name.padEnd(width)}  ${check.detail}`);
  });
  lines.push(`${label('result')}${expectationText(result)}`);
  return lines.join('\n');
}

/** One row per run, for directories and several files. */
export function formatSummaryTable(rows: ReadonlyArray<{ result: RunResult; wallMs: number }>): string {
  const header = ['scenario', 'protocol', 'seed', 'events', 'ops ok/inv', 'checks', 'result'];
  const body = rows.map(({ result }) => [
    result.scenario,
    result.protocol + (result.flaws.length ? ` +${result.flaws.join(',')}` : ''),
    result.seed,
    n(result.events),
    `${n(result.ops.ok)}/${n(result.ops.invoked)}`,
    result.checks.map((c) => `${c.verdict === 'pass' ? '✓' : c.verdict === 'fail' ? '✗' : '?'}${c.name}`).join(' '),
    result.expectation.toUpperCase(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const colour = (row: string[], text: string): string => {
    const result = row[6];
    return result === 'HELD' ? text : result === 'BROKEN' ? chalk.red(text) : chalk.yellow(text);
  };
  return [chalk.bold(fmt(header)), ...body.map((r) => colour(r, fmt(r)))].join('\n');
}
