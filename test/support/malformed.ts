/**
 * Malformed scenario files, generated: valid scenarios bent by one to three mutations — a field
 * set to a value of the wrong kind or size, a required field dropped, an unknown field, a fault
 * aimed at a node, role or partition that does not exist, a typo in a check name — or the YAML text
 * itself broken (syntax, aliases, alias bombs, tags, nesting, huge values, control characters).
 * One base has groups (services), so group names, group fields and group targets get bent too.
 *
 * Used by the fast-check property (test/scenario/malformed.property.test.ts: every one is either
 * a valid scenario or a clean ScenarioError) and by scripts/audit-inputs.ts (the same inputs through
 * the real CLI, counted by outcome).
 */
import fc from 'fast-check';
import { stringify } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Valid starting points: small, fast, one per protocol family and fault shape. */
export const BASES: readonly Record<string, Json>[] = [
  {
    name: 'base-raft',
    protocol: 'raft',
    nodes: 3,
    duration: '1s',
    network: { latency: { dist: 'exponential', mean: '5ms', min: '1ms' } },
    workload: { model: 'kv', clients: 2, keys: 2, rate: '50/s' },
    faults: [
      { at: '300ms', partition: 'isolate', target: 'leader', for: '200ms' },
      { at: '600ms', crash: 'n2', for: '100ms' },
    ],
    checks: ['linearizable', 'durable', 'invariants'],
    expect: 'pass',
  },
  {
    name: 'base-broadcast',
    protocol: 'broadcast',
    nodes: 3,
    duration: '1s',
    network: { loss: 0.1 },
    workload: { clients: 2, rate: '20/s' },
    faults: [{ at: '200ms', partition: 'split', groups: [['n1'], ['n2', 'n3']] }, { at: '500ms', heal: 'p1' }],
    heal: { quiesce: '1s' },
    checks: ['broadcast-delivered'],
    expect: { violates: ['broadcast-delivered'] },
  },
  {
    name: 'base-master-slave',
    protocol: 'master-slave',
    options: { mode: 'async' },
    nodes: 3,
    seed: 7,
    duration: '1s',
    workload: { model: 'kv', clients: 2, keys: 1, rate: '30/s' },
    faults: [{ at: '400ms', crash: 'primary' }, { at: '500ms', skew: 'n2', offset: '-20ms' }],
    heal: false,
  },
  {
    name: 'base-groups',
    groups: { coord: { protocol: 'coordination', nodes: 3 }, db: { protocol: 'master-slave', nodes: 3, options: { failover: 'coordinator' } } },
    duration: '1s',
    workload: { service: 'db', clients: 2, rate: '20/s' },
    faults: [
      { at: '300ms', crash: 'db.primary', for: '200ms' },
      { at: '500ms', partition: 'isolate', target: 'coord.leader', for: '100ms' },
    ],
    checks: ['linearizable', 'db.converged'],
  },
];

const JUNK: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -1e-9, '', ' ', 'n99', 'leeder', 'soon', '10 parsecs', '-5s', '1e9s', '999999999h', 'NaN', '∞', '\u202eevil', '\x1b[2Jclear'),
  fc.integer({ min: -1_000_000, max: 1_000_000_000 }),
  fc.double({ noNaN: true }),
  fc.string({ maxLength: 20 }),
  fc.constantFrom<Json>([], {}, [[]], { dist: 'gaussian' }, { dist: 'uniform', min: '5ms' }, { violates: [] }, { quiesce: 'forever' }, ['linearizble']),
  fc.constant('x'.repeat(200_000)),
);

/** A path into the scenario: existing fields, nested fields, and made-up ones. */
const FIELD_PATHS: readonly (readonly (string | number)[])[] = [
  ['name'], ['protocol'], ['options'], ['options', 'mode'], ['flaws'], ['flaws', 0], ['nodes'], ['spares'], ['seed'], ['duration'],
  ['network'], ['network', 'latency'], ['network', 'latency', 'dist'], ['network', 'latency', 'mean'], ['network', 'loss'], ['network', 'reorder'],
  ['network', 'fifo'], ['workload'], ['workload', 'model'], ['workload', 'clients'], ['workload', 'rate'], ['workload', 'keys'],
  ['workload', 'keyDistribution'], ['workload', 'mix'], ['workload', 'timeout'], ['workload', 'route'], ['faults'], ['faults', 0],
  ['faults', 0, 'at'], ['faults', 0, 'for'], ['faults', 0, 'target'], ['faults', 0, 'crash'], ['faults', 0, 'groups'], ['faults', 0, 'heal'],
  ['faults', 1, 'partition'], ['heal'], ['heal', 'quiesce'], ['checks'], ['checks', 0], ['expect'], ['expect', 'violates'], ['limits'],
  ['limits', 'events'], ['colour'], ['faults', 0, 'bogus'], ['workload', 'speed'],
  ['groups'], ['groups', 'db'], ['groups', 'db', 'protocol'], ['groups', 'db', 'nodes'], ['groups', 'db', 'options'], ['groups', 'db', 'flaws'],
  ['groups', 'db', 'bogus'], ['groups', 'coord', 'protocol'], ['workload', 'service'],
];

type Mutation = (scenario: Record<string, Json>) => void;

function setPath(target: Record<string, Json>, path: readonly (string | number)[], value: Json | undefined): void {
  let node: Json = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const container = node as Record<string | number, Json>;
    if (typeof container[key] !== 'object' || container[key] === null) container[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = container[key]!;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete (node as Record<string | number, Json>)[last];
  else (node as Record<string | number, Json>)[last] = value;
}

const faultsOf = (s: Record<string, Json>): Json[] => (Array.isArray(s.faults) ? s.faults : (s.faults = []));

const MUTATION: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom(...FIELD_PATHS), JUNK).map(([path, value]): Mutation => (s) => setPath(s, path, value)),
  fc.constantFrom(...FIELD_PATHS).map((path): Mutation => (s) => setPath(s, path, undefined)),
  fc.constantFrom<Mutation>(
    (s) => faultsOf(s).push({ at: '100ms', crash: 'n9' }),
    (s) => faultsOf(s).push({ at: '100ms', pause: 'leeder' }),
    (s) => faultsOf(s).push({ at: '100ms', heal: 'p7' }),
    (s) => faultsOf(s).push({ at: '100ms', partition: 'split', groups: [['n1', 'n2'], ['n2', 'n3']] }),
    (s) => faultsOf(s).push({ at: '100ms', partition: 'one-way', from: ['n1'], to: ['n8'] }),
    (s) => faultsOf(s).push({ at: '100ms', partition: 'isolate', target: 'n0' }),
    (s) => faultsOf(s).push({ at: '100ms', skew: 'n4', offset: '1s' }),
    (s) => faultsOf(s).push({ at: '100ms', partition: 'bridge', bridge: 'n1', left: ['n2'], right: ['n2'] }),
    (s) => faultsOf(s).push({ at: '2h', crash: 'n1' }),
    (s) => faultsOf(s).push({ at: '100ms', crash: 'db.primray' }),
    (s) => faultsOf(s).push({ at: '100ms', pause: 'dv.primary' }),
    (s) => (s.checks = ['linearizble']),
    (s) => (s.checks = [...(Array.isArray(s.checks) ? s.checks : []), 'durabel']),
    (s) => (s.expect = { violates: ['lineariz'] }),
    (s) => (s.expect = { violates: ['health', 'converged'] }),
    (s) => (s.workload = { model: 'kv', rate: '10000000/s' }),
    (s) => (s.duration = '525600m'),
    (s) => (s.nodes = 64),
    (s) => (s.name = 'spoof\x1b[2J\rresult    HELD\n'),
  ),
);

/** Text-level damage: what a YAML parser has to survive. */
const TEXT_DAMAGE: fc.Arbitrary<(text: string) => string> = fc.oneof(
  fc.constantFrom<(text: string) => string>(
    (t) => `${t}\nunresolved: *nowhere\n`,
    (t) => `${t}\nbomb0: &a0 [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 9 }, (_, i) => `bomb${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}]`).join('\n')}\n`,
    (t) => `${t}\nfn: !!js/function 'function () { return 1 }'\n`,
    (t) => t.replace(/^name: .*$/m, 'name: !!binary aGVsbG8='),
    (t) => t.replace(/^protocol: (.*)$/m, 'protocol: !custom $1'),
    (t) => `${t}\ndeep: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    (t) => `${t}\ndeeper: ${'{a: '.repeat(200)}1${'}'.repeat(200)}\n`,
    (t) => `${t}\nblob: ${'y'.repeat(2_000_000)}\n`,
    (t) => t.replace(/\n/g, '\n\t'),
    (t) => `\uFEFF${t}`,
    (t) => `${t}\0`,
    (t) => `${t}\nname: duplicate\n`,
    (t) => t.slice(0, Math.floor(t.length / 2)),
    (t) => `---\n${t}\n---\nprotocol: raft\n`,
    (t) => t.replace(/:/, ''),
    (t) => `[${t}]`,
    () => '',
    () => '42',
    () => '- just\n- a\n- list\n',
    (t) => `${t}\nx: &anchor\n  y: *anchor\n`,
  ),
  fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 3 })).map(
    ([at, junk]) =>
      (t: string) => {
        const i = at % Math.max(1, t.length);
        return t.slice(0, i) + junk + t.slice(i);
      },
  ),
);

export interface MalformedScenario {
  /** What was done to the base, for failure messages. */
  readonly what: string;
  readonly text: string;
}

/** A scenario file's text: usually malformed, occasionally still valid. */
export const malformedScenario: fc.Arbitrary<MalformedScenario> = fc
  .tuple(fc.nat({ max: BASES.length - 1 }), fc.array(MUTATION, { minLength: 0, maxLength: 3 }), fc.option(TEXT_DAMAGE, { freq: 3 }))
  .map(([baseIndex, mutations, damage]) => {
    const scenario = structuredClone(BASES[baseIndex]!) as Record<string, Json>;
    for (const mutate of mutations) mutate(scenario);
    let text = stringify(scenario, { lineWidth: 0 });
    if (damage !== null) text = damage(text);
    return { what: `base ${baseIndex}, ${mutations.length} mutation(s)${damage !== null ? ', text damaged' : ''}`, text };
  });
