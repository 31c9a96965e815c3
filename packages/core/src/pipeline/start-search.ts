import { CdsError } from "../errors.ts";
import { layoutOf, readManifest } from "../library/library-manifest.ts";
import { planBatches, type BatchPlan, type BatchPlanOptions } from "../planning/batch-plan.ts";
import { planDispatch, type DispatcherPayload } from "../planning/dispatch.ts";
import type { DispatchTreeOptions } from "../planning/dispatch-tree.ts";
import type { SearchItem } from "../entities/search.ts";
import type { StateStore } from "../state/service.ts";
import { IllegalStatusTransitionError, SearchNotFoundError } from "../state/state-errors.ts";
import type { LibraryStores } from "./pipeline-ports.ts";
import { settingsOfSearch, type SearchJob } from "./search-job.ts";

/** What dispatch needs. */
export interface StartSearchDeps {
  state: Pick<StateStore, "getSearch" | "markSearchRunning">;
  libraries: LibraryStores;
  /** Must be the options intake planned with. */
  batchPlan?: BatchPlanOptions;
  dispatchTree?: DispatchTreeOptions;
}

/** A search that was just marked running, with the root dispatcher's payload. */
export interface StartedSearch {
  search: SearchItem;
  root: DispatcherPayload<SearchJob>;
  batchSize: number;
}

/**
 * Dispatch: plans an accepted search's batches and dispatch tree and marks it running.
 * Resolves undefined when the search has already started (a redelivered `Search Accepted`).
 *
 * @example
 * const started = await startSearch(searchId, { state, libraries });
 * if (started) { await publish(searchStarted(started)); await invoker.invokeAsync("search-dispatcher", started.root); }
 */
export async function startSearch(searchId: string, deps: StartSearchDeps): Promise<StartedSearch | undefined> {
  const search = await deps.state.getSearch(searchId);
  if (!search) throw new SearchNotFoundError(searchId);
  if (search.status !== "accepted") return undefined;
  const { plan, job } = await planSearch(search, deps);
  try {
    const running = await deps.state.markSearchRunning(searchId);
    return { search: running, root: planDispatch(plan, job, deps.dispatchTree), batchSize: plan.batchSize };
  } catch (error) {
    if (error instanceof IllegalStatusTransitionError) return undefined;
    throw error;
  }
}

/**
 * The batch plan and worker job of a stored search, planned again from its library. Intake
 * planned the same batches (same options, same manifest); a library re-indexed in between is
 * caught by the batch count.
 */
export async function planSearch(
  search: SearchItem,
  deps: Pick<StartSearchDeps, "libraries" | "batchPlan">,
): Promise<{ plan: BatchPlan; job: SearchJob }> {
  const layout = layoutOf(await readManifest(deps.libraries(search.library)));
  const plan = planBatches(layout, deps.batchPlan);
  if (plan.batches.length !== search.batchCount) {
    throw new CdsError(
      `library "${search.library}" changed after the search was accepted (${plan.batches.length} batches now, ${search.batchCount} then); submit the mask again`,
    );
  }
  const { params, top } = settingsOfSearch(search);
  return { plan, job: { searchId: search.searchId, library: search.library, maskKey: search.maskKey, params, top, layout } };
}
