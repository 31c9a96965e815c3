/** A 2-D shape (gradient) score of one query against one target (cdm-reference §2.5). */
export interface ShapeScore {
  /** Σ per-pixel gaps: colour (slice) mismatches, and distances of query signal to the target's. */
  gradientAreaGap: number;
  /** Target signal pixels in the query's "high expression" annulus (20–60 px around it). */
  highExpressionArea: number;
  /** gradientAreaGap + ⌊highExpressionArea / 3⌋; lower is better. */
  shapeScore: number;
  /** True when the mirrored query scored strictly lower. */
  mirrored: boolean;
}

/** shapeScore from its two parts. */
export function shapeScoreOf(gradientAreaGap: number, highExpressionArea: number): number {
  return gradientAreaGap + Math.floor(highExpressionArea / 3);
}
