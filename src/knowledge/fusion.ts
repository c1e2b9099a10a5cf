/** Merging ranked result lists (full-text and vector search) into one ranking. */

/** The usual reciprocal-rank-fusion constant: it damps the weight of the very first ranks. */
export const RRF_K = 60;

/** One result of one ranking: `score` is that ranking's own 0–1 relevance. */
export interface Ranked {
  id: string;
  score: number;
}

/**
 * Reciprocal rank fusion: each result earns 1 / (k + rank) from every list it appears in (rank from
 * 1), and the results are ordered by the sum. Ranks, not scores, are added because a full-text rank
 * and a cosine similarity are on incomparable scales; a result several lists agree on rises above one
 * only a single list likes. Ties keep the better own score, then the order of first appearance.
 *
 * The returned `score` is the best of the result's own scores, so a caller's 0–1 relevance
 * threshold keeps its meaning; `fused` is the rank-fusion sum the order follows.
 */
export function reciprocalRankFusion<T extends Ranked>(rankings: readonly (readonly T[])[], k = RRF_K): (T & { fused: number })[] {
  const merged = new Map<string, T & { fused: number }>();
  for (const ranking of rankings) {
    ranking.forEach((result, index) => {
      const contribution = 1 / (k + index + 1);
      const seen = merged.get(result.id);
      if (seen) {
        seen.fused += contribution;
        seen.score = Math.max(seen.score, result.score);
      } else {
        merged.set(result.id, { ...result, fused: contribution });
      }
    });
  }
  // Array.prototype.sort is stable: equal results stay in order of first appearance.
  return [...merged.values()].sort((a, b) => b.fused - a.fused || b.score - a.score);
}
