import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import type { CombinedSearch } from "@cds/core/pipeline";
import { buildResultsDocument } from "@cds/core/results";
import { defaultSearchParams } from "@cds/core/search";
import { completeSubmissionIfDone } from "@cds/core/submission";
import { searchEventSource } from "@cds/events";
import { batchesCompletedEntry, searchAcceptedEntry, searchCompletedEntry, searchFailedEntry, searchStartedEntry, submissionCompletedEntry } from "@cds/functions";
import { FolderBlobStore, localEvent } from "@cds/local";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { aDocumentInput, aMatch } from "@cds/testing/results-builders";

// The envelope builders the handlers emit with, fed what core returns (searches as the state
// store on dynalite holds them): each entry must be one the event catalog takes — its details
// are strict, so a stray field fails too — and carry what its consumers read.

const NOW = new Date("2030-03-04T05:06:07.000Z");

const parts = handlerPartsOnDynalite({ now: () => NOW });
let uploads = 0;

/** A search as intake creates it; a submitted mask's when `submissionId` is given. */
async function aSearch(file = `mask-${uploads++}.png`, submissionId?: string): Promise<SearchItem> {
  const maskKey = `lib/${file}`;
  const spec = { params: defaultSearchParams, top: 400, ...(submissionId ? { submission: { submissionId, maskId: "m0" } } : {}) };
  const { search } = await parts.state.createSearchFromUpload({ uploadKey: `uploads/${maskKey}`, library: "lib", maskKey, spec, batchCount: 3, batchSize: 20, targetCount: 55 });
  return search;
}

describe("the search event entries", () => {
  it("Search Accepted carries the search, its library, its mask and its target count, and nothing else", async () => {
    const search = await aSearch();

    const entry = searchAcceptedEntry(search);

    expect(entry).toEqual({ source: searchEventSource, detailType: "Search Accepted", detail: { searchId: search.searchId, library: "lib", maskKey: search.maskKey, targetCount: 55 } });
    expect(localEvent(entry).detail).toEqual(entry.detail);
  });

  it("Search Started carries the batch count and the batch size it was started with", async () => {
    const running = await parts.state.markSearchRunning((await aSearch()).searchId);

    const entry = searchStartedEntry(running, 20);

    expect(localEvent(entry)).toMatchObject({ "detail-type": "Search Started", detail: { searchId: running.searchId, batchCount: 3, batchSize: 20 } });
  });

  it("Search Batches Completed carries the batch count", () => {
    expect(localEvent(batchesCompletedEntry("search-9", 3))).toMatchObject({ "detail-type": "Search Batches Completed", detail: { searchId: "search-9", batchCount: 3 } });
  });

  it("Search Completed carries what the results document says, where it lies, and the best matches", () => {
    const document = buildResultsDocument(aDocumentInput({ searchId: "search-7", partial: true, matches: [aMatch(3, 700), aMatch(5, 600, { mirrored: true })] }));
    const topMatches = [{ name: "target-3", matchingPixels: 700, matchingRatio: 0.7, mirrored: false }];
    const combined: CombinedSearch = { searchId: "search-7", document, resultsKey: "search-7.json", htmlKey: "search-7.html", maskName: "my-mask.png", library: "synthetic", topMatches };

    const event = localEvent(searchCompletedEntry(combined));

    expect(event.detail).toEqual({
      searchId: "search-7", matchCount: document.matchCount, resultsKey: "search-7.json", htmlKey: "search-7.html", topMatches,
      partial: true, elapsedMs: document.elapsedMs, maskName: "my-mask.png", library: "synthetic",
    });
    expect(document.matchCount).toBe(2);
  });

  it("Search Failed carries the stored failure, when it failed, and the mask's own name", async () => {
    const search = await aSearch("sub-77-0003-my mask.png", "sub-77");
    const failed = await parts.state.markSearchFailed(search.searchId, { reason: "the mask is empty", stage: "intake" });

    const event = localEvent(searchFailedEntry(failed));

    expect(event.detail).toEqual({ searchId: search.searchId, reason: "the mask is empty", stage: "intake", failedAt: NOW.toISOString(), maskName: "my mask.png", library: "lib" });
  });

  it("Search Failed of a search with no stored failure says it failed, in the sweeper, now", async () => {
    const running = await parts.state.markSearchRunning((await aSearch()).searchId);
    const before = Date.now();

    const detail = localEvent(searchFailedEntry(running)).detail as { reason: string; stage: string; failedAt: string };

    expect(detail).toMatchObject({ reason: "the search failed", stage: "sweeper" });
    expect(Date.parse(detail.failedAt)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("Submission Completed carries the summary's counts, where it lies, and when the submission completed", async () => {
    const results = new FolderBlobStore(join(parts.root, "results"));
    await parts.state.recordSubmission({ submissionId: "sub-8", library: "lib", targetCount: 55, maskCount: 1, rejected: [], createdAt: "2030-03-04T05:00:00.000Z" });
    await parts.state.recordSubmissionMask("sub-8", { maskId: "m0", position: 0, name: "only", sourceFile: "only.png", uploadKey: "lib/sub-8-0000-only.png" });
    await parts.state.recordMaskOutcome({ submissionId: "sub-8", maskId: "m0", searchId: "s-1", outcome: "failed", failureReason: "(worker) gone" });
    const completed = (await completeSubmissionIfDone("sub-8", { state: parts.state, results, now: () => NOW }))!;

    const event = localEvent(submissionCompletedEntry(completed));

    expect(event.detail).toEqual({
      submissionId: "sub-8", library: "lib", maskCount: 1, completed: 0, failed: 1, rejected: 0,
      summaryKey: "submissions/sub-8.json", summaryCsvKey: "submissions/sub-8.csv", completedAt: NOW.toISOString(), elapsedMs: 367_000,
    });
  });
});
