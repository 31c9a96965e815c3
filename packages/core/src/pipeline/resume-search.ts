import type { SearchItem } from "../entities/search.ts";
import type { DispatcherPayload } from "../planning/dispatch.ts";
import { leafOf, nodeId } from "../planning/dispatch-tree.ts";
import type { StateStore } from "../state/service.ts";
import type { SearchJob } from "./search-job.ts";
import { planSearch, type PlanSearchDeps } from "./plan-search.ts";

/** What a restarted runtime must do to finish a search that was in flight. */
export type ResumeAction =
  /** Accepted, not started: it waits for a running slot like any other (admission starts it). */
  | { kind: "admit" }
  /** Re-dispatch these leaves, each for its missing batches only. */
  | { kind: "score"; leaves: DispatcherPayload<SearchJob>[] }
  | { kind: "combine"; batchCount: number }
  | { kind: "none" };

/**
 * Decides how to finish a search found unfinished at start-up: an accepted one goes back to
 * admission; a running one first has its counting reconciled — the dead process may have stored a
 * batch and died before counting it, and no worker of this search runs yet — then its leaves are
 * dispatched again for the batches that have no result (all at once: nothing of the search runs
 * now, so its waves are not needed), or, every batch stored and counted, the combiner runs.
 *
 * @example
 * const action = await resumeSearch(search, { state, libraries });
 * if (action.kind === "score") for (const leaf of action.leaves) await invoker.invokeAsync("search-dispatch-node", leaf);
 */
export async function resumeSearch(
  search: SearchItem,
  deps: { state: Pick<StateStore, "reconcileCompletion"> } & PlanSearchDeps,
): Promise<ResumeAction> {
  if (search.status === "accepted") return { kind: "admit" };
  if (search.status !== "running") return { kind: "none" };
  const planned = await planSearch(search, deps);
  const reconciled = await deps.state.reconcileCompletion(search.searchId, planned.tree);
  if (reconciled.missingBatches.length === 0) return { kind: "combine", batchCount: search.batchCount };
  return { kind: "score", leaves: leafPayloads(planned, reconciled.missingBatches) };
}

/**
 * Leaf dispatcher payloads that start exactly `batches` (grouped by their leaf), without waves.
 *
 * @example
 * for (const leaf of leafPayloads(planned, [3, 70])) await invoker.invokeAsync("search-dispatch-node", leaf);
 */
export function leafPayloads(planned: Pick<Awaited<ReturnType<typeof planSearch>>, "tree" | "sources" | "job">, batches: readonly number[], lanes?: number): DispatcherPayload<SearchJob>[] {
  const byLeaf = new Map<string, { node: ReturnType<typeof leafOf>; only: number[] }>();
  for (const batchId of batches) {
    const leaf = leafOf(planned.tree, batchId);
    const entry = byLeaf.get(nodeId(leaf)) ?? { node: leaf, only: [] };
    entry.only.push(batchId);
    byLeaf.set(nodeId(leaf), entry);
  }
  return [...byLeaf.values()].map(({ node, only }) => ({ node, tree: planned.tree, sources: planned.sources, ...(lanes ? { lanes } : {}), only, job: planned.job }));
}
