// Pure helpers of scripts/planted.mjs (unit-tested in test/mutation/planted.test.ts).

/**
 * A planted patch: a header of `field: value` lines (protocol, what), then a unified diff that
 * `git apply` takes (it skips the header).
 */
export function parsePatch(name, text) {
  const header = {};
  for (const line of text.split('\n')) {
    if (line.startsWith('diff --git')) break;
    const m = /^(\w+):\s*(.*)$/.exec(line);
    if (m !== null) header[m[1]] = m[2];
  }
  if (header.protocol === undefined) throw new Error(`${name}: the header has no "protocol:" line`);
  if (!text.includes('\ndiff --git') && !text.startsWith('diff --git')) throw new Error(`${name}: no diff after the header`);
  return { name, protocol: header.protocol, what: header.what ?? '' };
}

/** One campaign's outcome from `dsim fuzz --json`: found or not, runs to the first failure, checks, shrunk size. */
export function campaignOutcome(summary) {
  const first = summary.failures?.[0];
  if (first === undefined) return { found: false, runs: summary.runs };
  return {
    found: true,
    runsToFind: first.index + 1,
    kind: first.kind,
    checks: first.failed.map((c) => c.name),
    shrunk: first.after,
  };
}

/** A patch's row over its campaign seeds. */
export function summarizeSeeds(outcomes) {
  const found = outcomes.filter((o) => o.found);
  const runs = found.map((o) => o.runsToFind).sort((a, b) => a - b);
  const checks = [...new Set(found.flatMap((o) => o.checks))].sort();
  return { foundIn: found.length, seeds: outcomes.length, runsToFind: runs, checks };
}

/** `faults / ops / nodes / main phase`, as docs/FUZZING.md writes sizes. */
export function describeSize(size) {
  if (size === undefined) return '-';
  return `${size.faults} / ${size.ops ?? '?'} / ${size.nodes} / ${size.durationMs} ms`;
}
