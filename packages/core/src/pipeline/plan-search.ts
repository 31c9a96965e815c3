import { CdsError } from "../errors.ts";
import { readDescriptor, type LibraryDescriptor } from "../library/library-manifest.ts";
import { planLibraryBatchRules, type BatchPlanOptions } from "../planning/batch-plan.ts";
import { batchCountOf, batchSourceOf, librarySources, type LibraryBatches } from "../planning/dispatch.ts";
import { planDispatchTree, type DispatchTree, type DispatchTreeOptions } from "../planning/dispatch-tree.ts";
import type { SearchItem } from "../entities/search.ts";
import type { LibraryStores } from "./pipeline-ports.ts";
import { specOfSearch, type SearchJob } from "./search-job.ts";

/** What planning a stored search again needs. */
export interface PlanSearchDeps {
  libraries: LibraryStores;
  /** Must be the options intake planned with. */
  batchPlan?: BatchPlanOptions;
  dispatchTree?: DispatchTreeOptions;
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
 * A stored search's batch sources, tree and worker job, planned again from its libraries'
 * descriptors — at the builds intake read (a library updated since is read as it was then).
 * Intake planned the same batches (same options, same builds); a search from before builds were
 * recorded reads the current version, and a library re-indexed in between is caught by the
 * batch count.
 *
 * @example
 * const { tree } = await planSearch(search, { libraries });
 */
export async function planSearch(search: SearchItem, deps: PlanSearchDeps): Promise<PlannedSearch> {
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
