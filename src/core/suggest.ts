/**
 * "Did you mean": the known name closest to what was typed, when it is close enough to be a typo
 * (edit distance 1 for names of up to 3 characters, else up to a third of the name and at least
 * 2, so a swapped pair of letters counts), else nothing.
 */
import { distance } from 'fastest-levenshtein';

export function closest(input: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const typed = input.toLowerCase();
  for (const name of known) {
    const d = distance(typed, name.toLowerCase());
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  const allowed = input.length <= 3 ? 1 : Math.max(2, Math.floor(input.length / 3));
  return best !== undefined && bestDistance <= allowed && best !== input ? best : undefined;
}

/** ` (did you mean "raft"?)`, or '' when nothing known is close. */
export function didYouMean(input: string, known: Iterable<string>): string {
  const match = closest(input, known);
  return match === undefined ? '' : ` (did you mean ${JSON.stringify(match)}?)`;
}
