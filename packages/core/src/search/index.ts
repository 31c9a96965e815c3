// @cds/core's public surface: the names of @cds/core/search that other packages import, listed by name.
export { defaultSearchParams, formatRegion, parseSearchParams, precomputeSearchParams } from "../search-params.ts";
export type { SearchParams } from "../search-params.ts";
export { createSearchScratch, searchLibraryRange } from "./batch-search.ts";
export type { BatchSearchResult } from "./batch-search.ts";
export { compareMatches, mergeRankings } from "./ranking.ts";
export type { ScoredTarget, TargetMatch } from "./ranking.ts";
