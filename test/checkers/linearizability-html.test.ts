import { describe, expect, it } from 'vitest';
import { checkLinearizability, models } from '../../src/checkers/linearizability/index.js';
import { pairOperations } from '../../src/core/history.js';
import { escapeHtml, renderLinearizabilityHtml } from '../../src/report/linearizability-html.js';
import { buildHistory } from './support.js';

describe('linearizability HTML report', () => {
  const history = buildHistory([
    { process: 0, f: 'write', input: 1, start: 0, end: 100 },
    { process: 1, f: 'read', output: 1, start: 10, end: 20 },
    { process: 2, f: 'read', output: '</table><script>alert("x")</script>', start: 30, end: 40 },
    { process: 3, f: 'write', input: 5, outcome: 'info', start: 35, end: 45 },
  ]);
  const operations = pairOperations(history);
  const result = checkLinearizability(operations, models.register!);

  it('escapes everything from the history', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const page = renderLinearizabilityHtml({ title: 'run <1>', modelName: 'register', operations, result });
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;/table&gt;&lt;script&gt;alert(');
    expect(page).toContain('<title>run &lt;1&gt;</title>');
    // Exactly one script element: the page's own.
    expect(page.match(/<script>/g)).toHaveLength(1);
  });

  it('draws a lane per process, numbers the prefix and marks the stuck op', () => {
    expect(result.kind).toBe('not-linearizable');
    const page = renderLinearizabilityHtml({ title: 't', modelName: 'register', operations, result });
    for (const p of [0, 1, 2, 3]) expect(page).toContain(`<div class="who">p${p}</div>`);
    expect(page).toMatch(/class="op ok prefix"[^>]*><b class="badge">1<\/b>/);
    expect(page).toMatch(/class="op ok stuck/);
    expect(page).toContain('class="op info open');
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('renders a linearizable history over history positions when there are no times', () => {
    const untimed = history.slice(0, 2).map(({ timeUs: _t, ...e }) => e);
    const ops = pairOperations(untimed);
    const page = renderLinearizabilityHtml({ title: 't', modelName: 'register', operations: ops, result: checkLinearizability(ops, models.register!) });
    expect(page).toContain('class="verdict linearizable"');
    expect(page).toContain('<div class="who">event</div>');
  });
});
