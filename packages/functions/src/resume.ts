import type { SearchItem } from "@cds/core/entities";
import { resumeSearch } from "@cds/core/pipeline";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { batchesCompletedEntry } from "./search-events.ts";

/**
 * Finishes a search that was in flight when the runtime stopped: dispatch its missing batches again through their leaves, or
 * run the combiner (see core `resumeSearch`). An accepted search is left to admission
 * (`sweepAdmission`, which a restarting runtime runs after resuming), so a restart never starts
 * more searches than the running limit.
 *
 * @example
 * for (const search of (await state.listSearchesByStatus("running")).items) await resume(search, deps);
 */
export async function resume(search: SearchItem, deps: Pick<PipelineDeps, "state" | "libraries" | "batchPlan" | "dispatchTree" | "bus" | "invoker">): Promise<void> {
  const action = await resumeSearch(search, deps);
  if (action.kind === "score") for (const payload of action.leaves) await deps.invoker.invokeAsync(functionNames.dispatchNode, payload);
  if (action.kind === "combine") await deps.bus.publish([batchesCompletedEntry(search.searchId, action.batchCount)]);
}
