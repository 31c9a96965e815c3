import type { SearchItem } from "../entities/search.ts";
import type { WorkerPayload } from "../planning/dispatch.ts";
import type { StateStore } from "../state/service.ts";
import type { LibraryStores } from "./pipeline-ports.ts";
import type { SearchJob } from "./search-job.ts";
import { planSearch } from "./start-search.ts";
import type { BatchPlanOptions } from "../planning/batch-plan.ts";

/** What a restarted runtime must do to finish a search that was in flight. */
export type ResumeAction =
  /** Accepted, not started: it waits for a running slot like any other (admission starts it). */
  | { kind: "admit" }
  | { kind: "score"; workers: WorkerPayload<SearchJob>[] }
  | { kind: "combine"; batchCount: number }
  | { kind: "none" };

/**
 * Decides how to finish a search found unfinished at start-up: an accepted one goes back to
 * admission, which starts it when a running slot is free (it may hold one already); a running one first has its counter reconciled — the dead process may have stored a batch
 * result and died before counting it, and no worker of this search runs yet — then gets
 * workers for the batches that have no result (those queued in the dead process were lost),
 * or, every batch stored, the combiner.
 *
 * @example
 * for (const search of inFlight) {
 *   const action = await resumeSearch(search, { state, libraries });
 *   if (action.kind === "score") for (const w of action.workers) await invoker.invokeAsync("search-worker", w);
 * }
 */
export async function resumeSearch(
  search: SearchItem,
  deps: { state: Pick<StateStore, "reconcileCompletedBatches">; libraries: LibraryStores; batchPlan?: BatchPlanOptions },
): Promise<ResumeAction> {
  if (search.status === "accepted") return { kind: "admit" };
  if (search.status !== "running") return { kind: "none" };
  const reconciled = await deps.state.reconcileCompletedBatches(search.searchId);
  const missing = reconciled.missingBatches;
  if (missing.length === 0) {
    return reconciled.completedBatches >= search.batchCount ? { kind: "combine", batchCount: search.batchCount } : { kind: "none" };
  }
  const { plan, job } = await planSearch(search, deps);
  return { kind: "score", workers: missing.map((batchId) => ({ batch: plan.batches[batchId], batchCount: plan.batches.length, job })) };
}
