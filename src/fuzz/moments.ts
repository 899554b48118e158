/**
 * Protocol moments a fuzzed fault or operator action waits for (see TriggerSpec in faults/plan.ts):
 * a node becoming one of the profile's roles (or any role change), persisting, acknowledging a
 * client, making a note, crashing or restarting. Both fault genes and operator genes carry one,
 * so a crash lands right after a leader change and a membership change arrives while a new leader
 * is still settling, whatever the protocol calls its moments.
 */
import fc from 'fast-check';

/**
 * `pick` chooses the role or note name among the profile's (or any), `withinPm` the largest delay
 * after it in per mille of the main phase (0: at once), `times` how often it may fire.
 */
export type TriggerGene = { readonly event: 'role' | 'persist' | 'reply' | 'note' | 'crash' | 'restart'; readonly pick: number; readonly withinPm: number; readonly times: number };

/** Most firings of one triggered fault. */
const MAX_TRIGGER_TIMES = 12;

/** A moment about 2 times in 5; the delay after it is mostly short. */
export function triggerGeneArbitrary(): fc.Arbitrary<TriggerGene | null> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    {
      weight: 2,
      arbitrary: fc.record({
        event: fc.constantFrom('role' as const, 'persist' as const, 'reply' as const, 'note' as const, 'crash' as const, 'restart' as const),
        pick: fc.integer({ min: 0, max: 15 }),
        withinPm: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 21, max: 200 })),
        // Mostly once to three times; one in four keeps at it, up to a dozen times: Jepsen's
        // nemesis that isolates or kills whichever node leads now, again and again, so that
        // several terms in a row each lose their leader at the same point of its term.
        times: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }) }, { weight: 1, arbitrary: fc.integer({ min: 4, max: MAX_TRIGGER_TIMES }) }),
      }),
    },
  );
}

/** What a moment is chosen among: the roles the protocol reports and the notes it makes. */
export interface MomentNames {
  readonly roles?: readonly string[];
  readonly notes?: readonly string[];
}

/** The scenario's `on:` of a trigger gene (no `within:`/`times:`). */
export function triggerOn(gene: TriggerGene, names: MomentNames): unknown {
  const choose = (list: readonly string[] = []): string => {
    const i = gene.pick % (list.length + 1);
    return i < list.length ? list[i]! : 'any';
  };
  switch (gene.event) {
    case 'role':
      return { became: choose(names.roles) };
    case 'note':
      return { note: choose(names.notes) };
    case 'reply':
      return { reply: 'ok' };
    case 'persist':
    case 'crash':
    case 'restart':
      return gene.event;
  }
}

/** A triggered fault's fields: `on:`, its delay (`within:`) and how often it fires (`times:`). */
export function triggerFields(gene: TriggerGene | null, names: MomentNames, durationMs: number): Record<string, unknown> {
  if (gene === null) return {};
  const withinMs = Math.floor((gene.withinPm * durationMs) / 1000);
  return { on: triggerOn(gene, names), ...(withinMs > 0 ? { within: `${withinMs}ms` } : {}), ...(gene.times > 1 ? { times: gene.times } : {}) };
}
