/** Text rendering of run results for terminals and CI logs. */
import chalk from 'chalk';
import { formatUs } from '../core/time.js';
import { plural } from '../core/plural.js';
import { formatTable } from './table.js';
import { userFrame } from './user-frame.js';
import { oneLine } from './terminal.js';
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

/**
 * The result line: HELD or BROKEN, and what that means for this scenario — a scenario written to
 * show a weakness holds when the weakness shows ("broke, as expected").
 */
export function expectationText(result: RunResult): string {
  const mustFail = result.expected === 'pass' ? [] : result.expected.violates;
  const failed = result.checks.filter((c) => c.verdict === 'fail').map((c) => c.name);
  const undecided = result.checks.filter((c) => c.verdict === 'unknown').map((c) => c.name);
  const list = (names: readonly string[]): string => names.join(', ');
  switch (result.expectation) {
    case 'held':
      return `${chalk.green.bold('HELD')}: ${mustFail.length === 0 ? 'every check passed, as expected' : `${list(mustFail)} broke, as expected`}`;
    case 'broken': {
      const unexpected = failed.filter((name) => !mustFail.includes(name));
      const held = mustFail.filter((name) => result.checks.some((c) => c.name === name && c.verdict === 'pass'));
      const why = [
        ...(unexpected.length > 0 ? [`${list(unexpected)} failed, expected to pass`] : []),
        ...(held.length > 0 ? [`${list(held)} held, expected to break`] : []),
      ];
      return `${chalk.red.bold('BROKEN')}: ${why.join('; ')}`;
    }
    case 'inconclusive':
      return `${chalk.yellow.bold('INCONCLUSIVE')}: ${list(undecided)} could not decide (${mustFail.length === 0 ? 'expected: pass' : `expected to break: ${list(mustFail)}`})`;
  }
}

const n = (x: number): string => x.toLocaleString('en-US');

/** `n4`, or `n1-n3` for consecutive ids (a group's nodes always are). */
function nodeRange(nodes: readonly string[]): string {
  return nodes.length === 1 ? nodes[0]! : `${nodes[0]}-${nodes[nodes.length - 1]}`;
}

/** The readable summary of one run. `simulateMs`: the simulation alone (the rest of `wallMs` is checking). */
export function formatRun(result: RunResult, wallMs: number, simulateMs?: number): string {
  const lines: string[] = [];
  const label = (text: string): string => chalk.dim(text.padEnd(10));
  lines.push(`${label('scenario')}${chalk.bold(oneLine(result.scenario))} ${chalk.dim(`(${oneLine(result.file)})`)}`);
  const flaws = result.flaws.length > 0 ? `  flaws ${chalk.magenta(result.flaws.join(', '))}` : '';
  if (result.groups === undefined) lines.push(`${label('cluster')}${result.protocol}, ${plural(result.nodes, 'node')}, seed ${result.seed}${flaws}`);
  else {
    lines.push(`${label('cluster')}${plural(result.groups.length, 'service')}, ${plural(result.nodes, 'node')}, seed ${result.seed}`);
    for (const g of result.groups) {
      const gFlaws = g.flaws.length > 0 ? `  flaws ${chalk.magenta(g.flaws.join(', '))}` : '';
      lines.push(`${' '.repeat(10)}${chalk.bold(g.name)}: ${g.protocol} on ${nodeRange(g.nodes)}${gFlaws}`);
    }
  }
  const applied = result.faults.filter((f) => !f.skipped);
  const skipped = result.faults.length - applied.length;
  if (result.faults.length === 0) lines.push(`${label('faults')}none`);
  else {
    lines.push(`${label('faults')}${applied.length} applied${skipped > 0 ? `, ${skipped} skipped` : ''}`);
    for (const f of result.faults.slice(0, 12)) lines.push(`${' '.repeat(10)}${chalk.dim(formatUs(f.atUs).padStart(7))}  ${f.skipped ? chalk.dim(f.description) : f.description}`);
    if (result.faults.length > 12) lines.push(`${' '.repeat(10)}${chalk.dim(`... ${result.faults.length - 12} more`)}`);
  }
  const o = result.ops;
  lines.push(`${label('ops')}${n(o.invoked)} invoked: ${chalk.green(n(o.ok) + ' ok')}, ${n(o.fail)} fail, ${o.info > 0 ? chalk.yellow(n(o.info) + ' info') : '0 info'}${o.shed > 0 ? `, ${n(o.shed)} shed` : ''}${o.redirects > 0 ? `  (${plural(o.redirects, 'redirect')})` : ''}${o.resent > 0 ? `  (${n(o.resent)} resent after a timeout)` : ''}${o.deposed > 0 ? `  (${plural(o.deposed, 'answer')} from a deposed epoch refused)` : ''}`);
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
    // A detail's further lines are indented: a message cannot start a line of its own ("result    HELD").
    const detail = check.detail.replace(/\n/g, `\n${label('')}  ${' '.repeat(width)}  `);
    lines.push(`${label(i === 0 ? 'checks' : '')}${verdictMark(check.verdict)} ${check.name.padEnd(width)}  ${detail}`);
    if (check.name === 'health' && check.verdict === 'fail') {
      // Where the user's handler threw, so the finding leads straight to the line.
      const frame = userFrame(result.findings.find((f) => f.kind === 'handler-threw')?.stack);
      if (frame !== undefined) lines.push(`${label('')}  ${' '.repeat(width)}  ${chalk.bold(`at ${frame}`)}`);
    }
  });
  lines.push(`${label('result')}${expectationText(result)}`);
  return lines.join('\n');
}

/** One row per run, for directories and several files. */
export function formatSummaryTable(rows: ReadonlyArray<{ result: RunResult; wallMs: number }>, width?: number): string {
  const header = ['scenario', 'protocol', 'seed', 'events', 'ops ok/inv', 'checks', 'result'];
  const body = rows.map(({ result }) => [
    oneLine(result.scenario),
    result.protocol + (result.flaws.length ? ` +${result.flaws.join(',')}` : ''),
    result.seed,
    n(result.events),
    `${n(result.ops.ok)}/${n(result.ops.invoked)}`,
    result.checks.map((c) => `${c.verdict === 'pass' ? '✓' : c.verdict === 'fail' ? '✗' : '?'}${c.name}`).join(' '),
    result.expectation.toUpperCase(),
  ]);
  const paint = (i: number, line: string): string => {
    const expectation = rows[i]!.result.expectation;
    return expectation === 'held' ? line : expectation === 'broken' ? chalk.red(line) : chalk.yellow(line);
  };
  return formatTable({ header, rows: body, paint, bold: chalk.bold, ...(width !== undefined ? { width } : {}) });
}

/** The last line of a run of several scenarios: `41 scenarios: 39 as expected, 2 broken (a, b)`. */
export function formatTotals(results: ReadonlyArray<Pick<RunResult, 'scenario' | 'expectation'>>): string {
  const named = (expectation: RunResult['expectation']): string[] => results.filter((r) => r.expectation === expectation).map((r) => r.scenario);
  const broken = named('broken');
  const inconclusive = named('inconclusive');
  const few = (names: readonly string[]): string => (names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')}, ...`);
  const parts = [`${results.length - broken.length - inconclusive.length} as expected`];
  if (broken.length > 0) parts.push(chalk.red(`${broken.length} broken (${few(broken)})`));
  if (inconclusive.length > 0) parts.push(chalk.yellow(`${inconclusive.length} inconclusive (${few(inconclusive)})`));
  return `${plural(results.length, 'scenario')}: ${parts.join(', ')}`;
}
