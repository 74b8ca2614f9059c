/** "Did you mean": the nearest of a few known words to a misspelt one. */

/** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
function distance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** The candidate nearest to `word` (case and `_`/`-` ignored), when it is near enough to be a slip. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replaceAll('_', '-');
  if (word.length > 64) return undefined;
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    const d = distance(norm(word), norm(candidate));
    if (best === undefined || d < best.d) best = { candidate, d };
  }
  if (best === undefined) return undefined;
  const allowed = Math.min(2, Math.floor(best.candidate.length / 3));
  return best.d <= allowed ? best.candidate : undefined;
}
