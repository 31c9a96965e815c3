import type { SearchItem } from "../entities/search.ts";
import type { LibraryLayout } from "../library/library-manifest.ts";
import { MAX_CUSTOM_RESULTS } from "../results/combine-batches.ts";
import { parseSearchParams, type SearchParams } from "../search-params.ts";

/**
 * What every worker of one search is handed (burst-compute's `jobParameters`): enough to score
 * its batch without reading the search record or the library manifest again.
 */
export interface SearchJob {
  searchId: string;
  library: string;
  /** The mask's key in the upload bucket. */
  maskKey: string;
  params: SearchParams;
  /** Matches kept per batch and in the results (maxResultsPerMask). */
  top: number;
  layout: LibraryLayout;
}

/**
 * The parameters and result count a stored search runs with. Intake stores the resolved
 * parameters plus `maxResultsPerMask`.
 *
 * @example
 * const { params, top } = settingsOfSearch(await state.getSearch(searchId));
 */
export function settingsOfSearch(search: Pick<SearchItem, "parameters">): { params: SearchParams; top: number } {
  const { maxResultsPerMask, ...params } = search.parameters as Record<string, unknown>;
  return { params: parseSearchParams(params), top: typeof maxResultsPerMask === "number" ? maxResultsPerMask : MAX_CUSTOM_RESULTS };
}
