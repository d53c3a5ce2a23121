/**
 * Edit distance with adjacent transpositions (optimal string alignment), so `learnign_rate`
 * is one edit from `learning_rate` like `learning_rte` is. Small inputs only (config keys).
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[] = new Array(rows * columns).fill(0);
  for (let i = 0; i < rows; i++) table[i * columns] = i;
  for (let j = 0; j < columns; j++) table[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        table[(i - 1) * columns + j]! + 1,
        table[i * columns + j - 1]! + 1,
        table[(i - 1) * columns + j - 1]! + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, table[(i - 2) * columns + j - 2]! + 1);
      }
      table[i * columns + j] = best;
    }
  }
  return table[rows * columns - 1]!;
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo: at most a
 * third of the word's length in edits (at least 1, at most 3). Case and `-`/`_` are ignored
 * so `learningRate` and `learning-rate` find `learning_rate`.
 */
export function closestMatch(word: string, candidates: readonly string[]): string | undefined {
  const normalized = normalize(word);
  // Long keys get a little more slack; short ones must be near-exact or "lr" would match "lora_r".
  const limit = Math.min(3, Math.max(1, Math.floor(normalized.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const candidateNormalized = normalize(candidate);
    if (Math.abs(candidateNormalized.length - normalized.length) > limit) continue;
    const distance = editDistance(normalized, candidateNormalized);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

function normalize(word: string): string {
  return word.toLowerCase().replace(/[-_\s]/g, '');
}
