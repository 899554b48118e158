// Scores a Stryker JSON report (mutation-testing-report-schema) against the sampled mutants:
// per stratum, how many were killed, survived, timed out, never covered, errored, or are gone.
// Report locations are 1-based lines and columns; the sample's are 0-based (mutants.mjs).
const STATUS = { Killed: 'killed', Survived: 'survived', Timeout: 'timeout', NoCoverage: 'noCoverage', RuntimeError: 'error', CompileError: 'error', Ignored: 'ignored', Pending: 'pending' };

function reportKey(file, m) {
  const { start, end } = m.location;
  return `${file}|${m.mutatorName}|${m.replacement}|${start.line - 1}:${start.column - 1}-${end.line - 1}:${end.column - 1}`;
}

function sampleKey(m) {
  const { start, end } = m.location;
  return `${m.file}|${m.mutatorName}|${m.replacement}|${start.line}:${start.column}-${end.line}:${end.column}`;
}

const EMPTY = () => ({ sampled: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, error: 0, ignored: 0, pending: 0, missing: 0, gone: 0 });

/** Mutation score as Stryker defines it: detected / (detected + undetected). */
export function scoreOf(c) {
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage;
  return valid === 0 ? null : Math.round((1000 * detected) / valid) / 10;
}

export function scoreReport(report, present, gone, carried = []) {
  const byKey = new Map();
  for (const [file, entry] of Object.entries(report.files)) for (const m of entry.mutants) byKey.set(reportKey(file, m), m);
  const strata = {};
  const mutants = [];
  const count = (stratum) => (strata[stratum] ??= EMPTY());
  for (const m of present) {
    const c = count(m.stratum);
    c.sampled++;
    const r = byKey.get(sampleKey(m));
    const status = r === undefined ? 'missing' : STATUS[r.status] ?? 'error';
    c[status]++;
    mutants.push({
      key: m.key,
      stratum: m.stratum,
      line: m.location.start.line + 1,
      status,
      ...(r?.killedBy?.length ? { killedBy: r.killedBy.map((id) => report.testFiles ? testName(report, id) : id) } : {}),
      ...(r?.statusReason ? { reason: r.statusReason.split('\n')[0].slice(0, 300) } : {}),
    });
  }
  for (const m of carried) {
    const c = count(m.stratum);
    c.sampled++;
    c[m.status]++;
    mutants.push({ ...m, carried: true });
  }
  for (const g of gone) {
    count(g.stratum).sampled++;
    count(g.stratum).gone++;
    mutants.push({ key: g.key, stratum: g.stratum, status: 'gone' });
  }
  const total = EMPTY();
  for (const c of Object.values(strata)) for (const k of Object.keys(total)) total[k] += c[k];
  for (const c of [...Object.values(strata), total]) c.score = scoreOf(c);
  return { strata, total, mutants };
}

function testName(report, id) {
  for (const f of Object.values(report.testFiles ?? {})) for (const t of f.tests ?? []) if (t.id === id) return t.name;
  return id;
}

export function formatScores({ strata, total }) {
  const cols = ['sampled', 'killed', 'timeout', 'survived', 'noCoverage', 'error', 'gone', 'score'];
  const rows = [...Object.entries(strata).sort(([a], [b]) => a.localeCompare(b)), ['total', total]];
  const head = ['stratum', ...cols];
  const lines = [head, ...rows.map(([name, c]) => [name, ...cols.map((k) => (k === 'score' ? (c.score === null ? '-' : `${c.score}%`) : String(c[k])))])];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((x, i) => x.padEnd(widths[i])).join('  ')).join('\n');
}
