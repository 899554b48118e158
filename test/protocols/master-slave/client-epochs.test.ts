import { describe, expect, it } from 'vitest';
import { msCluster } from './harness.js';

describe('master-slave clientEpochs (the epoch checked by clients)', () => {
  it('answers carry the node\'s epoch only with clientEpochs on', () => {
    const on = msCluster({ mode: 'async', clientEpochs: true });
    const w = on.write('n1', 'k', 1);
    const r = on.read('n2', 'k');
    on.advance(20_000);
    expect(on.reply(w)?.result).toEqual({ type: 'ok', epoch: 1 });
    expect(on.reply(r)?.result).toMatchObject({ type: 'redirect', to: 'n1', epoch: 1 });

    const off = msCluster({ mode: 'async' });
    const w2 = off.write('n1', 'k', 1);
    off.advance(20_000);
    expect(off.reply(w2)?.result).toEqual({ type: 'ok' });
  });

  it('a primary asked by a client that has seen a newer epoch steps down, adopts it and redirects; an older or equal epoch is served', () => {
    const c = msCluster({ mode: 'async', clientEpochs: true });
    const same = c.send('n1', { f: 'write', key: 'k', value: 1 }, 'n1', 1);
    c.advance(20_000);
    expect(c.reply(same)?.result).toEqual({ type: 'ok', epoch: 1 });
    const ahead = c.send('n1', { f: 'write', key: 'k', value: 2 }, 'n1', 3);
    c.advance(20_000);
    expect(c.reply(ahead)?.result).toMatchObject({ type: 'redirect', epoch: 3, error: expect.stringMatching(/was at epoch 1; client c-n1 has seen epoch 3/) });
    expect(c.state('n1')).toMatchObject({ role: 'replica', epoch: 3 });
    expect(c.state('n1').log).toHaveLength(1); // the write was never appended
  });

  it('without clientEpochs a client\'s epoch is ignored', () => {
    const c = msCluster({ mode: 'async' });
    const ahead = c.send('n1', { f: 'write', key: 'k', value: 2 }, 'n1', 3);
    c.advance(20_000);
    expect(c.reply(ahead)?.result).toEqual({ type: 'ok' });
    expect(c.state('n1')).toMatchObject({ role: 'primary', epoch: 1 });
  });
});
