/** The pixel-match score of one mask against one target. */
export interface PixelMatchScore {
  /** Mask pixels whose target pixel is lit and of a close enough colour (best offset, best side). */
  matchingPixels: number;
  /** matchingPixels / maskSize; 0 for an empty mask. */
  matchingRatio: number;
  /** True when the mirrored mask scored strictly better than the unmirrored one. */
  mirrored: boolean;
  /** Mask pixels above the mask threshold outside the excluded label regions. */
  maskSize: number;
}

/**
 * The reference's match filter: a target is kept when its ratio is strictly above
 * minMatchingPixRatio percent (an empty mask never matches).
 *
 * @example
 * isMatch({ matchingPixels: 439, matchingRatio: 0.05, mirrored: false, maskSize: 8780 }, 2) // true
 */
export function isMatch(score: PixelMatchScore, minMatchingPixRatio: number): boolean {
  return score.matchingPixels > 0 && score.matchingRatio > minMatchingPixRatio / 100;
}
