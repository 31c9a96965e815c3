import type { ItemMetadata } from "../library/item-metadata.ts";
import type { PixelMatchScore } from "../scoring/pixel-match-score.ts";

/** A target's score and where it sits in its library (what a batch result stores). */
export interface ScoredTarget extends PixelMatchScore {
  /** Position in the library's order. */
  index: number;
}

/** A target that matched, with where it sits in its library and what it is. */
export interface TargetMatch extends ScoredTarget {
  item: ItemMetadata;
}

/**
 * Ranking order: more matching pixels first (the reference's order); equal scores by library
 * index, so the ranking is the same however the work was split.
 */
export function compareMatches(a: ScoredTarget, b: ScoredTarget): number {
  return b.matchingPixels - a.matchingPixels || a.index - b.index;
}

/**
 * Merges ranked lists into one ranking, keeping the first `top` (all when undefined).
 *
 * @example
 * const ranking = mergeRankings([batchA.matches, batchB.matches], 400);
 */
export function mergeRankings(lists: TargetMatch[][], top?: number): TargetMatch[] {
  const all = lists.flat().sort(compareMatches);
  return top === undefined ? all : all.slice(0, top);
}
