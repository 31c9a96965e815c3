import { planDispatch, type DispatcherPayload } from "../planning/dispatch.ts";
import { leafCount } from "../planning/dispatch-tree.ts";
import type { SearchItem } from "../entities/search.ts";
import type { StateStore } from "../state/service.ts";
import { IllegalStatusTransitionError, SearchNotFoundError } from "../state/state-errors.ts";
import { planSearch, type PlanSearchDeps } from "../pipeline/plan-search.ts";
import type { SearchJob } from "../pipeline/search-job.ts";

/** What starting a search needs: what planning it needs, and the state to mark it running in. */
export interface StartSearchDeps extends PlanSearchDeps {
  state: Pick<StateStore, "getSearch" | "markSearchRunning" | "listSlotGrants">;
}

/** A search that was just marked running, with the payload of its dispatch tree's root node. */
export interface StartedSearch {
  search: SearchItem;
  root: DispatcherPayload<SearchJob>;
  batchSize: number;
}

/**
 * Starts an accepted search that holds a running slot: plans it — its batches, its dispatch tree,
 * and its waves (as many leaves at once as its granted workers allow) — and marks it running.
 * Resolves undefined when the search has already started (a redelivered `Search Accepted`).
 *
 * @example
 * const started = await startSearch(searchId, { state, libraries });
 * if (started) { await publish(searchStarted(started)); await invoker.invokeAsync("search-dispatch-node", started.root); }
 */
export async function startSearch(searchId: string, deps: StartSearchDeps): Promise<StartedSearch | undefined> {
  const search = await deps.state.getSearch(searchId);
  if (!search) throw new SearchNotFoundError(searchId);
  if (search.status !== "accepted") return undefined;
  const { sources, tree, job } = await planSearch(search, deps);
  const granted = (await deps.state.listSlotGrants())[searchId];
  // Granted fewer workers than batches: run in waves of whole leaves (at least one).
  const lanes = granted === undefined || granted >= tree.batchCount ? undefined : Math.max(1, Math.floor(granted / tree.branchingFactor));
  try {
    const running = await deps.state.markSearchRunning(searchId, undefined, lanes !== undefined && lanes < leafCount(tree) ? lanes : undefined);
    return { search: running, root: planDispatch(sources, job, { ...deps.dispatchTree, lanes: running.lanes }), batchSize: search.batchSize };
  } catch (error) {
    if (error instanceof IllegalStatusTransitionError) return undefined;
    throw error;
  }
}
