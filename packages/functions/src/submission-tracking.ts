import { parseEvent } from "@cds/events";
import { trackSubmissionSearch } from "@cds/core/submission";
import type { PipelineDeps } from "./ports.ts";
import { submissionCompletedEntry } from "./search-events.ts";

/**
 * Submission tracking, on `Search Completed` / `Search Failed` of a submitted mask's search:
 * record it in its submission and, when it was the submission's last, write the submission's
 * summary (JSON and CSV) and emit Submission Completed.
 *
 * @example
 * bus.subscribe("submission-tracking", (event) => submissionTracking(event, deps));
 */
export async function submissionTracking(event: unknown, deps: Pick<PipelineDeps, "state" | "results" | "now" | "bus">): Promise<void> {
  const parsed = parseEvent(event);
  if (parsed["detail-type"] !== "Search Completed" && parsed["detail-type"] !== "Search Failed") return;
  const completed = await trackSubmissionSearch(parsed.detail.searchId, deps);
  if (completed) await deps.bus.publish([submissionCompletedEntry(completed)]);
}
