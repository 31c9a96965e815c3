import { parseEvent, searchAccepted } from "@cds/events";
import { startSearch } from "@cds/core";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { searchStartedEntry } from "./search-events.ts";

/**
 * Dispatch, on `Search Accepted`: plan the batches, mark the search running, emit Search
 * Started and invoke the root dispatcher.
 *
 * @example
 * bus.subscribe("dispatch", (event) => dispatchSearch(event, deps));
 */
export async function dispatchSearch(event: unknown, deps: Pick<PipelineDeps, "state" | "libraries" | "batchPlan" | "dispatchTree" | "bus" | "invoker">): Promise<void> {
  const { searchId } = parseEvent(event, searchAccepted).detail;
  await startAcceptedSearch(searchId, deps);
}

/** The body of {@link dispatchSearch}, also used to resume an accepted search after a restart. */
export async function startAcceptedSearch(searchId: string, deps: Pick<PipelineDeps, "state" | "libraries" | "batchPlan" | "dispatchTree" | "bus" | "invoker">): Promise<void> {
  const started = await startSearch(searchId, deps);
  if (!started) return;
  await deps.bus.publish([searchStartedEntry(started.search, started.batchSize)]);
  await deps.invoker.invokeAsync(functionNames.dispatcher, started.root);
}
