/**
 * The report explains a violation: a linearizability failure as the linearization found so far and
 * the op that cannot follow it (with why), each op's role on its bar, clients named as their lanes
 * are; other evidence as readable tables, a convergence failure as which node holds what.
 */
import { describe, expect, it } from 'vitest';
import { checkDurable, checkLiveness, differences } from '../../src/checkers/generic.js';
import type { Operation } from '../../src/core/history.js';
import { evidenceTable } from '../../src/report/evidence-table.js';
import { buildReportData, renderRunHtml } from '../../src/report/html.js';
import { recordRun, staleFixture } from './support.js';
const stale = recordRun(staleFixture);

describe('report: a linearizability violation explained', () => {
  const data = buildReportData(stale);
  const view = data.linearization!;

  it('shows the linearization up to the op that cannot follow, and why, in the lanes\' client names', () => {
    expect(view).toMatchObject({ check: 'linearizable', key: 'k2', prefixLength: 14, stateAfterPrefix: '14' });
    // Context rows, then the write whose state the stale read needs, then the writes that changed it.
    expect(view.rows.map((r) => [r.position, r.client, r.op, r.returned, r.stateAfter, r.role])).toEqual([
      [9, 'c3', 'write k2 10', 'ok', '10', 'prefix'],
      [10, 'c3', 'read k2', '10', '10', 'prefix'],
      [11, 'c3', 'write k2 11', 'ok', '11', 'prefix'],
      [12, 'c2', 'write k2 12', 'ok', '12', 'accepted'],
      [13, 'c1', 'write k2 13', 'ok', '13', 'conflict'],
      [14, 'c2', 'write k2 14', 'ok', '14', 'conflict'],
    ]);
    expect(view.rows[0]!.skippedBefore).toBe(8);
    expect(view.stuck).toEqual([
      {
        client: 'c3',
        op: 'read k2',
        returned: '12',
        why: 'it needs the state 12, as after #12 (c2 write k2 12); then #13 c1 write k2 13, #14 c2 write k2 14 changed it',
        timeUs: expect.any(Number),
      },
    ]);
  });

  it('the check\'s detail says the same in one line', () => {
    const detail = stale.result.checks.find((c) => c.name === 'linearizable')!.detail;
    expect(detail).toBe(
      'key k2: after 14 linearizable ops (last: write("k2", 14) -> 14), none of the next ops fits: read("k2") -> 12 (it needs the state 12, as after #12 (write("k2", 12) -> 12); then #13 write("k2", 13) -> 13, #14 write("k2", 14) -> 14 changed it)',
    );
  });

  it('marks each op\'s role on its bar and highlights only the ops that explain the violation', () => {
    const roles = data.ops.filter((o) => o[13] !== '').map((o) => `${o[13]}#${o[14]} ${o[5]} ${o[5] === 'read' ? `-> ${o[8]}` : o[7]}`);
    expect(roles).toEqual(['prefix#9 write 10', 'prefix#10 read -> 10', 'prefix#11 write 11', 'accepted#12 write 12', 'conflict#13 write 13', 'conflict#14 write 14', 'stuck#0 read -> 12']);
    expect(data.ops.filter((o) => o[12] === 1).map((o) => o[13])).toEqual(['accepted', 'conflict', 'conflict', 'stuck']);
    // The page opens on those ops, not on the whole run.
    const times = data.ops.filter((o) => o[12] === 1).flatMap((o) => [o[2], o[3]]);
    expect(data.focus!.startUs).toBeLessThanOrEqual(Math.min(...times));
    expect(data.focus!.endUs).toBeGreaterThanOrEqual(Math.max(...times));
    expect(data.focus!.endUs - data.focus!.startUs).toBeLessThan(data.meta.endUs / 4);
  });

  it('renders the view as a table after the checks, numbered like the bars', () => {
    const html = renderRunHtml(stale);
    expect(html).toContain('<h2 id="linearization-title">Why linearizable fails on key k2</h2>');
    expect(html).toContain('8 ops of the linearization not shown (the state at the start: (never written))');
    expect(html).toMatch(/<tr class="lin-conflict" data-role="conflict" data-position="13"><td>#13<\/td><td>c1<\/td><td class="op">write k2 13<\/td>/);
    expect(html).toMatch(/<tr class="lin-stuck" data-role="stuck"><td>✗<\/td><td>c3<\/td><td class="op">read k2<\/td><td>12<\/td><td colspan="2">cannot follow: it needs the state 12/);
  });
});

describe('report: clients named one way everywhere', () => {
  const clients = { 0: 'c1', 1: 'c2', 4: 'c2' };
  const clientOf = (p: number): string => clients[p as keyof typeof clients] ?? `p${p}`;

  it('durability and liveness details name the client, as the lanes do', () => {
    const op = (fields: Partial<Operation>): Operation => ({ id: 0, process: 4, f: 'write', key: 'k1', input: 1, output: 1, outcome: 'ok', invokeIndex: 0, completeIndex: 1, invokeTimeUs: 10, completeTimeUs: 20, ...fields });
    const lost = [op({}), op({ id: 1, process: 0, f: 'read', input: null, output: null, invokeIndex: 2, completeIndex: 3, invokeTimeUs: 1_000, completeTimeUs: 1_010 })];
    expect(checkDurable(lost, 500, clientOf).detail).toContain('the write of 1 by c2 was acknowledged');
    const stuck = [op({ f: 'read', outcome: 'info', invokeTimeUs: 1_000, completeTimeUs: 2_000 })];
    expect(checkLiveness(stuck, 500, true, clientOf).detail).toContain('(e.g. c2 read k1: info');
  });

  it('evidence tables name the client of a process', () => {
    expect(evidenceTable([{ process: 4, f: 'read', key: 'k1', outcome: 'info' }], clientOf)).toEqual({ caption: '1 item', columns: ['client', 'f', 'key', 'outcome'], rows: [['c2', 'read', 'k1', 'info']], more: 0 });
    expect(stale.result.processClients).toMatchObject({ 0: 'c1', 1: 'c2', 2: 'c3' });
    // A client that took a new process after an indeterminate op keeps its name.
    const reused = Object.entries(stale.result.processClients!).filter(([p]) => Number(p) >= 3);
    for (const [, client] of reused) expect(client).toMatch(/^c[1-3]$/);
  });
});

describe('evidence as tables', () => {
  it('a convergence failure: each key the groups disagree on, with what each group holds', () => {
    const views = [{ k1: 3, k2: 'x' }, { k1: 4, k2: 'x' }, { k2: 'x' }];
    expect(differences(views)).toEqual([{ key: 'k1', values: ['3', '4', null] }]);
    const table = evidenceTable({ groups: [{ nodes: ['n1'], view: '{}' }, { nodes: ['n2', 'n3'], view: '{}' }, { nodes: ['n4'], view: '{}' }], differences: differences(views) }, String);
    expect(table).toEqual({
      caption: 'where the nodes disagree: each key (or element) with what each group of nodes holds',
      columns: ['key', 'held by n1', 'held by n2, n3', 'held by n4'],
      rows: [['k1', '3', '4', '(missing)']],
      more: 0,
    });
  });

  it('list views: each element some group lacks; other views: nothing finer than the states', () => {
    expect(differences([[1, 2, 3], [1, 3], [3, 2, 1]])).toEqual([{ key: '2', values: ['holds it', null, 'holds it'] }]);
    expect(differences([1, 2])).toEqual([]);
    expect(evidenceTable({ groups: [{ nodes: ['n1'], view: '1' }, { nodes: ['n2'], view: '2' }], differences: [] }, String)!.rows).toEqual([
      ['n1', '1'],
      ['n2', '2'],
    ]);
  });

  it('records as rows, a record as fields, long values cut, many rows counted', () => {
    const many = Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(200) }));
    const table = evidenceTable(many, String)!;
    expect(table.rows).toHaveLength(20);
    expect(table.more).toBe(5);
    expect(table.rows[0]![1]!.length).toBeLessThanOrEqual(80);
    expect(evidenceTable({ node: 'n2', term: 4 }, String)).toEqual({ caption: 'fields', columns: ['field', 'value'], rows: [['node', 'n2'], ['term', '4']], more: 0 });
    // A linearizability counterexample is shown as the linearization, not as a table.
    expect(evidenceTable([{ longestPrefix: [], cannotPlace: [] }], String)).toBeNull();
    expect(evidenceTable(undefined, String)).toBeNull();
  });
});
