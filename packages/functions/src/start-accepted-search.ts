import { startSearch } from "@cds/core";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { searchStartedEntry } from "./search-events.ts";

/**
 * Starts an accepted search that holds a running slot (see `admitWaitingSearches`): plans it,
 * marks it running, emits Search Started, invokes the root dispatcher. Resolves false when the
 * search was not accepted any more (another admitter started it, or it failed).
 *
 * @example
 * if (!(await startAcceptedSearch(searchId, deps))) console.log(`${searchId} was started elsewhere or ended`);
 */
export async function startAcceptedSearch(searchId: string, deps: Pick<PipelineDeps, "state" | "libraries" | "batchPlan" | "dispatchTree" | "bus" | "invoker">): Promise<boolean> {
  const started = await startSearch(searchId, deps);
  if (!started) return false;
  await deps.bus.publish([searchStartedEntry(started.search, started.batchSize)]);
  await deps.invoker.invokeAsync(functionNames.dispatcher, started.root);
  return true;
}
