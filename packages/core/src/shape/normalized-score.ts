/**
 * The precompute's normalised score of one match within a mask's scored set
 * (`GradientAreaGapUtils.calculateNormalizedScore`, cdm-reference §2.6): the pixel score
 * relative to the best, divided by the shape score relative to the worst, that ratio scaled by
 * 2.5 and clamped to [0.002, 1], times 100. Without a usable shape score it is the pixel score.
 *
 * @example
 * normalizedScore(636, 788, 679, 1114361) // 46833.58…
 */
export function normalizedScore(matchingPixels: number, shapeScore: number, maxMatchingPixels: number, maxShapeScore: number): number {
  if (matchingPixels === 0 || maxMatchingPixels === 0 || shapeScore < 0 || maxShapeScore <= 0) return matchingPixels;
  const relativeShape = (2.5 * shapeScore) / maxShapeScore;
  const bounded = relativeShape < 0.002 ? 0.002 : relativeShape > 1 ? 1 : relativeShape;
  return (matchingPixels / maxMatchingPixels / bounded) * 100;
}
