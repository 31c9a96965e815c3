import type { TargetMatch } from "../search/ranking.ts";
import { normalizedScore } from "./normalized-score.ts";
import type { ShapeScore } from "./shape-score.ts";

/** The precompute keeps the best 300 lines (`top_best_line_matches`). */
export const DEFAULT_SHAPE_TOP_LINES = 300;

/** A pixel match with its shape score and normalised score. */
export interface ShapeRankedMatch extends TargetMatch {
  gradientAreaGap: number;
  highExpressionArea: number;
  shapeScore: number;
  /** The shape score's own mirrored flag (`mirrored` is the pixel match's). */
  shapeMirrored: boolean;
  normalizedScore: number;
}

/** The line a target belongs to: its publishedName, else its name (one target, one line). */
export function lineOf(match: TargetMatch): string {
  return match.item.publishedName ?? match.item.name;
}

/**
 * The precompute's selection for shape scoring (cdm-reference §2.6): matches whose ratio is above
 * the minimum, grouped by line, lines ranked by their best matchingPixels (ties: the earlier
 * library index), every match of the best `topLines` lines kept. The result keeps the input's
 * order (best first when the input is ranked).
 *
 * @example
 * const shortlist = shortlistForShape(matches, { minMatchingPixRatio: 2, topLines: 300 });
 */
export function shortlistForShape(matches: readonly TargetMatch[], options: { minMatchingPixRatio: number; topLines: number }): TargetMatch[] {
  const kept = matches.filter((m) => m.matchingPixels > 0 && m.matchingRatio > options.minMatchingPixRatio / 100);
  const best = new Map<string, TargetMatch>();
  for (const m of kept) {
    const line = lineOf(m);
    const b = best.get(line);
    if (!b || m.matchingPixels > b.matchingPixels || (m.matchingPixels === b.matchingPixels && m.index < b.index)) best.set(line, m);
  }
  const lines = [...best.entries()]
    .sort(([, a], [, b]) => b.matchingPixels - a.matchingPixels || a.index - b.index)
    .slice(0, options.topLines)
    .map(([line]) => line);
  const chosen = new Set(lines);
  return kept.filter((m) => chosen.has(lineOf(m)));
}

/**
 * Normalises shape-scored matches against the set's best pixel score and worst shape score, and
 * sorts by normalizedScore, best first (ties: more matching pixels, then library index).
 *
 * @example
 * const ranked = rankByShape(shortlist.map((m) => ({ match: m, shape: scoreShape(prepared, targetOf(m)) })));
 */
export function rankByShape(scored: readonly { match: TargetMatch; shape: ShapeScore }[]): ShapeRankedMatch[] {
  let maxPixels = 0;
  let maxShape = 0;
  for (const { match, shape } of scored) {
    if (match.matchingPixels > maxPixels) maxPixels = match.matchingPixels;
    if (shape.shapeScore > maxShape) maxShape = shape.shapeScore;
  }
  return scored
    .map(({ match, shape }) => ({
      ...match,
      gradientAreaGap: shape.gradientAreaGap,
      highExpressionArea: shape.highExpressionArea,
      shapeScore: shape.shapeScore,
      shapeMirrored: shape.mirrored,
      normalizedScore: normalizedScore(match.matchingPixels, shape.shapeScore, maxPixels, maxShape),
    }))
    .sort((a, b) => b.normalizedScore - a.normalizedScore || b.matchingPixels - a.matchingPixels || a.index - b.index);
}
