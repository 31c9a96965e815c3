import type { SearchItem } from "../entities/search.ts";
import type { SearchParams } from "../search-params.ts";
import type { SubmissionTag } from "./upload-settings.ts";

/**
 * What a search runs with, parsed once by intake from the upload's metadata or sidecar and stored
 * as typed attributes of the search: the resolved parameters, the matches kept, who to tell, and
 * the submission it came in.
 */
export interface SearchSpec {
  params: SearchParams;
  /** Matches kept per batch and in the results (NeuronBridge's maxResultsPerMask). */
  top: number;
  /**
   * Present when the search ranks by shape (sidecar `rank: "shape"`): after the pixel match,
   * the best `topLines` lines are shape-scored and the results sorted by normalizedScore.
   */
  shape?: ShapeRankSpec;
  notifyEmail?: string;
  submission?: SubmissionTag;
}

/** The second, shape stage of a search: how many lines (publishedNames) it shape-scores. */
export interface ShapeRankSpec {
  topLines: number;
}

/** The part of a {@link SearchSpec} that scoring and ranking run with (whom to tell and the submission stay with the search record). */
export type RunSpec = Pick<SearchSpec, "params" | "top" | "shape">;

/**
 * What every worker of one search is handed (burst-compute's `jobParameters`): enough to score
 * its batch without reading the search record or the library descriptor. Constant in size.
 */
export interface SearchJob {
  searchId: string;
  /** The library's name and image size (a mask of another size is refused before scoring). */
  library: { name: string; width: number; height: number; count: number };
  /** The mask's key in the upload bucket. */
  maskKey: string;
  /**
   * The search's spec as intake stored it. A batch keeps its best `top` matches, or every match
   * when the search ranks by `shape` (the shape stage picks its lines from all of them).
   */
  spec: RunSpec;
}

/**
 * The spec a stored search runs with.
 *
 * @example
 * const { params, top, shape } = specOfSearch(await state.getSearch(searchId));
 */
export function specOfSearch(search: Pick<SearchItem, "params" | "top" | "shape">): RunSpec {
  return { params: search.params, top: search.top, ...(search.shape ? { shape: { topLines: search.shape.topLines } } : {}) };
}
