import { ParameterError } from "../errors.ts";
import { compareMatches, type ScoredTarget } from "../search/ranking.ts";

/**
 * How many matches a custom search keeps: NeuronBridge's combiner truncates the merged
 * ranking to `MAX_CUSTOM_RESULTS` (cdm-reference 4.5), default 400.
 */
export const MAX_CUSTOM_RESULTS = 400;

/** Options of {@link combineBatchResults}. */
export interface CombineBatchOptions {
  /** Matches kept; default {@link MAX_CUSTOM_RESULTS}. `Infinity` keeps every match. */
  top?: number;
}

/**
 * Merges per-batch rankings into the search's global ranking: more matching pixels first,
 * equal scores by library index, the first `top` kept.
 *
 * The result does not depend on the order the batches arrive in, and a target listed more
 * than once (a batch retried and recorded twice, or overlapping ranges) appears once.
 *
 * @example
 * const ranking = combineBatchResults(batchResults.map((b) => b.matches)); // top 400
 * const all = combineBatchResults(batches, { top: Infinity });
 */
export function combineBatchResults<M extends ScoredTarget>(
  batches: readonly (readonly M[])[],
  options: CombineBatchOptions = {},
): M[] {
  const top = options.top ?? MAX_CUSTOM_RESULTS;
  if (!(top === Infinity || (Number.isInteger(top) && top >= 0))) {
    throw new ParameterError("top", `top must be a whole number of matches (0 or more) or Infinity, got ${top}`);
  }
  const ranked = batches.flat().sort(compareMatches);
  const kept: M[] = [];
  const seen = new Set<number>();
  for (const match of ranked) {
    if (kept.length >= top) break;
    // Scoring is deterministic, so copies of one target carry the same score; should they
    // ever differ, the sort put the best first and that is the one kept, whatever the order.
    if (seen.has(match.index)) continue;
    seen.add(match.index);
    kept.push(match);
  }
  return kept;
}
