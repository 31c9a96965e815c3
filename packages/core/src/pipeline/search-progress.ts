import type { SearchItem } from "../entities/search.ts";
import type { DispatchTreeOptions } from "../planning/dispatch-tree.ts";
import type { StateStore } from "../state/service.ts";
import { mapLimited } from "../state/completion-access.ts";
import { treeOfSearch } from "./start-search.ts";

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
