/** `npm run bench` never dies on missing optional data: the conformance benchmark says it is skipped. */
import { describe, expect, it } from 'vitest';
import { conformanceMissing } from '../../bench/conformance-data.js';

describe('bench: optional data', () => {
  it('the vendored conformance data is there; a directory without it is named as skipped', () => {
    expect(conformanceMissing()).toBeUndefined();
    expect(conformanceMissing('/nonexistent/conformance')).toBe(
      'no conformance data: /nonexistent/conformance/porcupine/expected.json does not exist (unset DSIM_CONFORMANCE_DIR, or point it at a directory with porcupine/expected.json)',
    );
  });
});
