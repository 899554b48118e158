import { describe, expect, it } from 'vitest';
import { initialMap, inTokenRange, membersOf, mergeMaps, movedMap, promotedMap, shardOf, shardOfNode, tokenOf } from '../../../src/protocols/transactions/shard-map.js';
import { keyText } from '../../../src/protocols/transactions/types.js';

describe('shard map', () => {
  const map = initialMap(['n1', 'n2', 'n3'], 8);

  it('places keys on the ring of shards, the same way on every node', () => {
    expect(initialMap(['n1', 'n2', 'n3'], 8)).toEqual(map);
    const owners = new Set(Array.from({ length: 60 }, (_, k) => shardOf(map, k)));
    expect([...owners].sort()).toEqual(['s1', 's2', 's3']);
    expect(map.epoch).toBe(24);
    expect(Object.isFrozen(map.ring.tokens)).toBe(true);
  });

  it('a move hands exactly one token range to the destination', () => {
    const token = tokenOf(map, 5);
    const moved = movedMap(map, token, 's2');
    expect(shardOf(moved, 5)).toBe('s2');
    expect(moved.epoch).toBe(map.epoch + 1);
    for (let k = 0; k < 200; k++) {
      if (inTokenRange(map, token, keyText(k))) expect(shardOf(moved, k)).toBe('s2');
      else expect(shardOf(moved, k)).toBe(shardOf(map, k));
    }
  });

  it('maps merge token by token, so concurrent moves of different ranges compose', () => {
    const a = movedMap(map, 0, 's2');
    const b = movedMap(map, 5, 's3');
    const merged = mergeMaps(a, b);
    expect(merged).toEqual(mergeMaps(b, a));
    expect(merged.ring.tokens[0]!.node).toBe('s2');
    expect(merged.ring.tokens[5]!.node).toBe('s3');
    expect(merged.epoch).toBe(map.epoch + 2);
    expect(mergeMaps(merged, a)).toBe(merged);
    expect(mergeMaps(map, merged)).toBe(merged);
  });

  it('primary-backup maps: a failover bumps its shard\'s term, and merges keep the newer term\'s primary, move by move', () => {
    const paired = initialMap(['n1', 'n2', 'n3', 'n4', 'n5'], 8, true);
    expect(paired.pairs).toEqual({ s1: ['n1', 'n2'], s2: ['n3', 'n4'], s3: ['n5'] });
    expect([shardOfNode(paired, 'n2'), shardOfNode(paired, 'n5')]).toEqual(['s1', 's3']);
    expect(membersOf(paired, 's2')).toEqual(['n3', 'n4']);
    const failover = promotedMap(paired, 's2', 'n4');
    expect(failover.nodes['s2']).toBe('n4');
    expect(failover.epoch).toBe(paired.epoch + 1);
    const moved = movedMap(paired, 0, 's3');
    const merged = mergeMaps(moved, failover);
    expect(merged).toEqual(mergeMaps(failover, moved));
    expect(merged.nodes['s2']).toBe('n4');
    expect(merged.ring.tokens[0]!.node).toBe('s3');
    expect(merged.epoch).toBe(paired.epoch + 2);
    expect(mergeMaps(merged, failover)).toBe(merged);
    expect(mergeMaps(paired, merged)).toBe(merged);
  });
});
