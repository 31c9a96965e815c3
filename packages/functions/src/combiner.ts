import { parseEvent, searchBatchesCompleted } from "@cds/events";
import { combineSearch } from "@cds/core";
import type { PipelineDeps } from "./ports.ts";
import { searchCompletedEntry } from "./search-events.ts";

/**
 * The combiner, on `Search Batches Completed`: write the results (JSON and HTML), mark the
 * search completed, emit Search Completed.
 *
 * @example
 * bus.subscribe("combiner", (event) => combiner(event, deps));
 */
export async function combiner(event: unknown, deps: Pick<PipelineDeps, "state" | "uploads" | "libraries" | "results" | "sourceImages" | "now" | "bus">): Promise<void> {
  const { searchId } = parseEvent(event, searchBatchesCompleted).detail;
  const combined = await combineSearch(searchId, deps);
  if (combined) await deps.bus.publish([searchCompletedEntry(combined)]);
}
