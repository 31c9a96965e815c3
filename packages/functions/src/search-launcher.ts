import type { SearchLauncher } from "@cds/core/admission";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { searchFailedEntry, searchStartedEntry } from "./search-events.ts";

/**
 * What admission (core `admitWaitingSearches`) launches an admitted search with: `Search
 * Started` on the bus, then the dispatch tree's root node invoked; `Search Failed` for one it
 * could not start.
 *
 * @example
 * await admitWaitingSearches({ ...deps, launcher: searchLauncher(deps) });
 */
export function searchLauncher(deps: Pick<PipelineDeps, "bus" | "invoker">): SearchLauncher {
  return {
    async launch(started) {
      await deps.bus.publish([searchStartedEntry(started.search, started.batchSize)]);
      await deps.invoker.invokeAsync(functionNames.dispatchNode, started.root);
    },
    async announceFailed(failed) {
      await deps.bus.publish([searchFailedEntry(failed)]);
    },
  };
}
