// Deterministic kv histories for the checker's scale benchmark, linearizable by construction:
// each op takes effect at one instant inside its [invoke, complete] interval, and results are
// computed by applying the ops in the order of those instants. Closed-loop clients, each bound to
// a key group; a few ops time out (info), taking effect or not. Plain JS, so a measuring child
// process loads no TypeScript compiler.

/** mulberry32: a small seeded generator (benchmarks must not depend on the global source). */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @param {{ ops: number, keys: number, clientsPerKey: number, seed?: number, infoRate?: number }} spec
 * @returns {{ index: number, type: string, process: number, f: string, key: string, value: unknown }[]}
 */
export function generateKvHistory(spec) {
  const rnd = random(spec.seed ?? 1);
  const infoRate = spec.infoRate ?? 0.002;
  const clients = spec.keys * spec.clientsPerKey;
  const perClient = Math.ceil(spec.ops / clients);
  // Per op: [client, key, isRead, value, invokeAt, effectAt, completeAt, outcome]
  const ops = [];
  let process = 0;
  for (let c = 0; c < clients && ops.length < spec.ops; c++) {
    const key = String(c % spec.keys);
    let t = rnd() * 100;
    let proc = process++;
    for (let i = 0; i < perClient && ops.length < spec.ops; i++) {
      const invokeAt = t;
      const effectAt = invokeAt + 1 + rnd() * 20;
      const completeAt = effectAt + 1 + rnd() * 20;
      const isRead = rnd() < 0.5;
      const info = rnd() < infoRate;
      // An info op's process never returns: a fresh process takes the client's place.
      ops.push({ proc, key, isRead, value: `v${ops.length}`, invokeAt, effectAt, completeAt, info, applied: !info || rnd() < 0.5, result: null });
      if (info) proc = process++;
      t = completeAt + rnd() * 5;
    }
  }
  // Results: apply in effect order.
  const byEffect = [...ops].sort((a, b) => a.effectAt - b.effectAt);
  const values = new Map();
  for (const op of byEffect) {
    if (!op.applied) continue;
    if (op.isRead) op.result = values.get(op.key) ?? '';
    else values.set(op.key, op.value);
  }
  const events = [];
  for (const op of ops) {
    events.push({ at: op.invokeAt, order: 0, op, type: 'invoke' });
    events.push({ at: op.completeAt, order: 1, op, type: op.info ? 'info' : 'ok' });
  }
  events.sort((a, b) => a.at - b.at || a.order - b.order);
  return events.map((e, index) => ({
    index,
    type: e.type,
    process: e.op.proc,
    f: e.op.isRead ? 'get' : 'put',
    key: e.op.key,
    value: e.type === 'invoke' ? (e.op.isRead ? null : e.op.value) : e.type === 'ok' ? (e.op.isRead ? e.op.result : e.op.value) : null,
  }));
}
