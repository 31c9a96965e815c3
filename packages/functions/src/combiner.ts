import { parseEvent } from "@cds/events";
import { combineSearch, trackSubmissionSearch } from "@cds/core";
import type { PipelineDeps } from "./ports.ts";
import { searchCompletedEntry, submissionCompletedEntry } from "./search-events.ts";

/**
 * The combiner. On `Search Batches Completed`: write the search's results (JSON and HTML), mark
 * it completed, emit Search Completed. On `Search Completed` / `Search Failed` of a submitted
 * mask's search: record it in its submission and, when it was the submission's last, write the
 * submission's summary (JSON and CSV) and emit Submission Completed.
 *
 * @example
 * bus.subscribe("combiner", (event) => combiner(event, deps));
 */
export async function combiner(event: unknown, deps: Pick<PipelineDeps, "state" | "uploads" | "libraries" | "results" | "sourceImages" | "shapeLut" | "batchPlan" | "dispatchTree" | "now" | "bus">): Promise<void> {
  const parsed = parseEvent(event);
  switch (parsed["detail-type"]) {
    case "Search Batches Completed": {
      const combined = await combineSearch(parsed.detail.searchId, deps);
      if (combined) await deps.bus.publish([searchCompletedEntry(combined)]);
      return;
    }
    case "Search Completed":
    case "Search Failed": {
      const completed = await trackSubmissionSearch(parsed.detail.searchId, deps);
      if (completed) await deps.bus.publish([submissionCompletedEntry(completed)]);
      return;
    }
  }
}
