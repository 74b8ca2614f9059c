/**
 * The commands a mistyped command line was probably meant to be: `lsit` → `list`, `audi log` →
 * `audit log`, `audit lgo` → `audit log`. Command ids are word lists (["audit", "log"]); a candidate
 * of k words is compared with the first k words typed. oclif-free: the not-found hook uses it.
 */

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

export interface Suggestion {
  /** The words typed that name no command (what the message quotes). */
  readonly typed: string;
  /** The nearest commands or topics, best first; empty when none is near enough. */
  readonly nearest: readonly string[];
}

/**
 * `words` are the words typed (flags left out); `known` every command id and topic as words. A
 * candidate is near when each of its words is at most a third of its letters (at least 1) away from
 * the word typed in its place; among the nearest, the ones that account for more of the typed words
 * win (`audi log` is `audit log`, not `audit`).
 */
export function suggest(words: readonly string[], known: readonly (readonly string[])[]): Suggestion {
  const scored = known
    .filter((candidate) => candidate.length <= words.length)
    .map((candidate) => {
      const distances = candidate.map((word, i) => editDistance(words[i] as string, word));
      const near = distances.every((distance, i) => distance <= Math.max(1, Math.ceil((candidate[i] as string).length / 3)));
      return { text: candidate.join(' '), size: candidate.length, near, distance: distances.reduce((sum, distance) => sum + distance, 0) };
    })
    // Distance 0 is a topic typed right before an unknown command: not the mistake.
    .filter(({ near, distance }) => near && distance > 0)
    .sort((a, b) => a.distance - b.distance || b.size - a.size || a.text.localeCompare(b.text));
  const best = scored[0];
  if (best === undefined) return { typed: typedPart(words, known), nearest: [] };
  const nearest = scored.filter((s) => s.distance === best.distance && s.size === best.size).map((s) => s.text);
  return { typed: words.slice(0, best.size).join(' '), nearest: [...new Set(nearest)] };
}

/** The known topic words typed first, and the first word after them: "audit foo" of "audit foo bar". */
function typedPart(words: readonly string[], known: readonly (readonly string[])[]): string {
  const isKnown = (size: number): boolean => known.some((candidate) => candidate.length === size && candidate.every((word, i) => word === words[i]));
  let size = 1;
  while (size < words.length && isKnown(size)) size++;
  return words.slice(0, size).join(' ');
}
