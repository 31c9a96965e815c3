import { parseEvent } from "@cds/events";
import { combineSearch } from "@cds/core/pipeline";
import type { PipelineDeps } from "./ports.ts";
import { searchCompletedEntry } from "./search-events.ts";

/**
 * The combiner, on `Search Batches Completed`: write the search's results (JSON and HTML), mark
 * it completed, emit Search Completed. (A finished search's submission is `submissionTracking`'s.)
 *
 * @example
 * bus.subscribe("combiner", (event) => combiner(event, deps));
 */
export async function combiner(event: unknown, deps: Pick<PipelineDeps, "state" | "uploads" | "libraries" | "results" | "sourceImages" | "shapeLut" | "batchPlan" | "dispatchTree" | "now" | "bus">): Promise<void> {
  const parsed = parseEvent(event);
  if (parsed["detail-type"] !== "Search Batches Completed") return;
  const combined = await combineSearch(parsed.detail.searchId, deps);
  if (combined) await deps.bus.publish([searchCompletedEntry(combined)]);
}
