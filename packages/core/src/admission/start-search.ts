import { CdsError } from "../errors.ts";
import { readDescriptor, type LibraryDescriptor } from "../library/library-manifest.ts";
import { planLibraryBatchRules, type BatchPlanOptions } from "../planning/batch-plan.ts";
import { batchCountOf, batchSourceOf, librarySources, planDispatch, type DispatcherPayload, type LibraryBatches } from "../planning/dispatch.ts";
import { leafCount, planDispatchTree, type DispatchTree, type DispatchTreeOptions } from "../planning/dispatch-tree.ts";
import type { SearchItem } from "../entities/search.ts";
import type { StateStore } from "../state/service.ts";
import { IllegalStatusTransitionError, SearchNotFoundError } from "../state/state-errors.ts";
import type { LibraryStores } from "../pipeline/pipeline-ports.ts";
import { specOfSearch, type SearchJob } from "../pipeline/search-job.ts";

/** What starting a search needs. */
export interface StartSearchDeps {
  state: Pick<StateStore, "getSearch" | "markSearchRunning" | "listSlotGrants">;
  libraries: LibraryStores;
  /** Must be the options intake planned with. */
  batchPlan?: BatchPlanOptions;
  dispatchTree?: DispatchTreeOptions;
}

/** A search that was just marked running, with the payload of its dispatch tree's root node. */
export interface StartedSearch {
  search: SearchItem;
  root: DispatcherPayload<SearchJob>;
  batchSize: number;
}

/** A stored search planned again from its libraries: where its batches are, its tree and its job. */
export interface PlannedSearch {
  /** The searched libraries' descriptors, at the builds the search was accepted on, in order. */
  descriptors: LibraryDescriptor[];
  sources: LibraryBatches[];
  tree: DispatchTree;
  job: SearchJob;
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

/**
 * A stored search's batch sources, tree and worker job, planned again from its libraries'
 * descriptors — at the builds intake read (a library updated since is read as it was then).
 * Intake planned the same batches (same options, same builds); a search from before builds were
 * recorded reads the current version, and a library re-indexed in between is caught by the
 * batch count.
 *
 * @example
 * const { tree } = await planSearch(search, { libraries });
 */
export async function planSearch(search: SearchItem, deps: Pick<StartSearchDeps, "libraries" | "batchPlan" | "dispatchTree">): Promise<PlannedSearch> {
  const descriptors = await searchedDescriptors(search, deps.libraries);
  const rules = planLibraryBatchRules(descriptors, deps.batchPlan);
  const sources = librarySources(descriptors.map((d, k) => ({ library: d.name, source: batchSourceOf(d, rules[k]) })));
  const batchCount = batchCountOf(sources);
  if (batchCount !== search.batchCount) {
    throw new CdsError(
      `library "${search.library}" changed after the search was accepted (${batchCount} batches now, ${search.batchCount} then); submit the mask again`,
    );
  }
  const count = descriptors.reduce((n, d) => n + d.count, 0);
  const library = { name: search.library, width: descriptors[0].width, height: descriptors[0].height, count };
  return {
    descriptors,
    sources,
    tree: planDispatchTree(batchCount, deps.dispatchTree),
    job: { searchId: search.searchId, library, maskKey: search.maskKey, spec: specOfSearch(search) },
  };
}

/**
 * The descriptors of the libraries a search covers, at the builds it was accepted on.
 *
 * @example
 * const [descriptor] = await searchedDescriptors(search, libraries);
 */
export async function searchedDescriptors(search: Pick<SearchItem, "library" | "libraries">, libraries: LibraryStores): Promise<LibraryDescriptor[]> {
  const searched = search.libraries ?? [{ name: search.library, build: undefined }];
  return Promise.all(searched.map(({ name, build }) => readDescriptor(libraries(name), build)));
}

/**
 * A search's dispatch tree from its stored batch count — the tree its workers count in.
 *
 * @example
 * const missing = await state.listMissingBatches(searchId, treeOfSearch(search, deps.dispatchTree));
 */
export function treeOfSearch(search: Pick<SearchItem, "batchCount">, options?: DispatchTreeOptions): DispatchTree {
  return planDispatchTree(search.batchCount, options);
}
