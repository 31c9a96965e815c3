import { searchEventSource } from "@cds/events";
import type { SearchItem } from "@cds/core/entities";
import type { CombinedSearch, FailingStage } from "@cds/core/pipeline";
import { maskNameOf } from "@cds/core/results";
import type { CompletedSubmission } from "@cds/core/submission";
import type { SearchEventEntry } from "./ports.ts";

// Envelope builders: what each handler emits, from what its core function returned.

/** `Search Accepted` for a search intake just created. */
export function searchAcceptedEntry(search: SearchItem): SearchEventEntry {
  const detail = { searchId: search.searchId, library: search.library, maskKey: search.maskKey, targetCount: search.targetCount };
  return { source: searchEventSource, detailType: "Search Accepted", detail };
}

/** `Search Started` once dispatch marked the search running. */
export function searchStartedEntry(search: SearchItem, batchSize: number): SearchEventEntry {
  const detail = { searchId: search.searchId, batchCount: search.batchCount, batchSize };
  return { source: searchEventSource, detailType: "Search Started", detail };
}

/** `Search Batches Completed`, from the worker that counted the last batch. */
export function batchesCompletedEntry(searchId: string, batchCount: number): SearchEventEntry {
  return { source: searchEventSource, detailType: "Search Batches Completed", detail: { searchId, batchCount } };
}

/** `Search Completed`, from the combiner. */
export function searchCompletedEntry(combined: CombinedSearch): SearchEventEntry {
  const { document } = combined;
  return {
    source: searchEventSource,
    detailType: "Search Completed",
    detail: {
      searchId: combined.searchId,
      matchCount: document.matchCount,
      resultsKey: combined.resultsKey,
      htmlKey: combined.htmlKey,
      topMatches: combined.topMatches,
      partial: document.partial,
      elapsedMs: document.elapsedMs,
      maskName: combined.maskName,
      library: combined.library,
    },
  };
}

/** `Search Failed` for a search just marked failed. */
export function searchFailedEntry(search: SearchItem): SearchEventEntry {
  const failure = search.failure ?? { reason: "the search failed", stage: "sweeper" };
  return {
    source: searchEventSource,
    detailType: "Search Failed",
    detail: {
      searchId: search.searchId,
      reason: failure.reason,
      stage: failure.stage as FailingStage,
      failedAt: search.completedAt ?? new Date().toISOString(),
      maskName: maskNameOf(search),
      library: search.library,
    },
  };
}

/** `Submission Completed`, from the combiner that recorded a submission's last search. */
export function submissionCompletedEntry(completed: CompletedSubmission): SearchEventEntry {
  const { summary } = completed;
  return {
    source: searchEventSource,
    detailType: "Submission Completed",
    detail: {
      submissionId: summary.submissionId,
      library: summary.library,
      maskCount: summary.counts.masks,
      completed: summary.counts.completed,
      failed: summary.counts.failed,
      rejected: summary.counts.rejected,
      summaryKey: completed.summaryKey,
      summaryCsvKey: completed.summaryCsvKey,
      completedAt: summary.completedAt,
      elapsedMs: summary.elapsedMs,
    },
  };
}
