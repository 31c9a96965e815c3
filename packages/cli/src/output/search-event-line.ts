import type { CatalogEvent } from "@cds/events";

/**
 * One line for a person watching `cds dev`: time, what happened, to which search.
 *
 * @example
 * describeSearchEvent(event) // "12:03:04 completed  3f2a…  2 matches in 0.6 s → results/3f2a….html"
 */
export function describeSearchEvent(event: CatalogEvent, resultsFolder = "results"): string {
  const time = new Date().toTimeString().slice(0, 8);
  const line = (what: string, text: string) => `${time} ${what.padEnd(10)} ${text}`;
  switch (event["detail-type"]) {
    case "Object Created":
      return line("upload", `${event.detail.object.key}${event.detail.object.size === undefined ? "" : ` (${event.detail.object.size.toLocaleString("en-US")} bytes)`}`);
    case "Search Accepted":
      return line("accepted", `${event.detail.searchId}  ${event.detail.maskKey} against ${event.detail.targetCount.toLocaleString("en-US")} targets of ${event.detail.library}`);
    case "Search Started":
      return line("started", `${event.detail.searchId}  ${event.detail.batchCount} batch${event.detail.batchCount === 1 ? "" : "es"} of up to ${event.detail.batchSize}`);
    case "Search Batches Completed":
      return line("scored", `${event.detail.searchId}  all ${event.detail.batchCount} batches`);
    case "Search Completed": {
      const best = event.detail.topMatches[0];
      const count = event.detail.matchCount;
      return line(
        "completed",
        `${event.detail.searchId}  ${maskOf(event.detail)}${count === 0 ? "0 matches" : `${count} match${count === 1 ? "" : "es"}`} in ${(event.detail.elapsedMs / 1000).toFixed(1)} s` +
          `${best ? `, best ${best.name} (${best.matchingPixels} px)` : ""}${event.detail.partial ? " [PARTIAL]" : ""} → ${resultsFolder}/${event.detail.htmlKey}`,
      );
    }
    case "Search Failed":
      return line("FAILED", `${event.detail.searchId}  ${maskOf(event.detail)}(${event.detail.stage}) ${event.detail.reason}`);
    case "Batch Failed":
      return line("batch err", `${event.detail.searchId}  batch ${event.detail.batchId} after ${event.detail.attempt} attempts: ${event.detail.error}`);
    case "Submission Completed": {
      const { detail } = event;
      const failed = detail.failed > 0 ? `, ${detail.failed} failed` : "";
      return line("submitted", `${detail.submissionId}  ${detail.completed} of ${detail.maskCount} masks searched${failed} → ${resultsFolder}/${detail.summaryCsvKey}`);
    }
  }
}

/** "mask.png in lm: " when the event names its mask (events from before that field do not). */
function maskOf(detail: { maskName?: string; library?: string }): string {
  if (!detail.maskName) return "";
  return `${detail.maskName}${detail.library ? ` in ${detail.library}` : ""}: `;
}
