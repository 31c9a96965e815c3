import { SEARCH_STATUSES, type SearchItem } from "../entities/search.ts";
import type { DispatchTreeOptions } from "../planning/dispatch-tree.ts";
import type { StateStore } from "../state/service.ts";
import { mapLimited } from "../state/completion-access.ts";
import { treeOfSearch } from "./plan-search.ts";

/**
 * The searches with `completedBatches` of the running ones read from their completion groups
 * (the search item is not written per batch; it holds the count only once finished), for progress
 * displays: `cds status`, `cds submit --wait`.
 *
 * @example
 * for (const s of await withBatchProgress(state, running)) console.log(`${s.completedBatches}/${s.batchCount}`);
 */
export async function withBatchProgress(
  state: Pick<StateStore, "countCompletedBatches">,
  searches: readonly SearchItem[],
  dispatchTree?: DispatchTreeOptions,
): Promise<SearchItem[]> {
  return mapLimited(searches, 8, async (search) =>
    search.status === "running" ? { ...search, completedBatches: await state.countCompletedBatches(search.searchId, treeOfSearch(search, dispatchTree)) } : search,
  );
}

/**
 * The newest searches of every status (up to `perStatus` of each), newest first, with the
 * running ones' progress: the list `cds status` and the console show.
 *
 * @example
 * for (const s of await recentSearches(state, 20)) console.log(s.searchId, s.status);
 */
export async function recentSearches(state: Pick<StateStore, "listSearchesByStatus" | "countCompletedBatches">, perStatus: number): Promise<SearchItem[]> {
  const pages = await Promise.all(SEARCH_STATUSES.map((status) => state.listSearchesByStatus(status, { limit: perStatus })));
  return withBatchProgress(state, pages.flatMap((page) => page.items).sort((a, b) => (a.submittedAt < b.submittedAt ? 1 : -1)));
}
