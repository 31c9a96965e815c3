import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { SearchItem } from "@cds/core/entities";
import { buildResultsDocument } from "@cds/core/results";
import { defaultSearchParams } from "@cds/core/search";
import type { SubmissionSummary } from "@cds/core/submission";
import { EventValidationError, readFixture, searchCompleted, searchFailed, searchStarted } from "@cds/events";
import { submissionTracking } from "@cds/functions";
import { FolderBlobStore } from "@cds/local";
import { filesUnder } from "@cds/testing/files";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { aDocumentInput, aMatch } from "@cds/testing/results-builders";
import { tempDir } from "@cds/testing/temp-dir";

// Submission tracking on real parts: core's state store on dynalite, the results bucket as a
// folder, and a bus that records what was announced. A submission of two masks (and one file
// `cds submit` refused), each mask with its search; the events are the catalog's, as the end of
// each search announces it.

const CREATED_AT = "2030-01-01T00:00:00.000Z";
const NOW = new Date("2030-01-01T00:02:30.000Z");

const parts = handlerPartsOnDynalite();
let resultsFolder: string;
let results: FolderBlobStore;

beforeEach(async () => {
  resultsFolder = join(await tempDir("cds-submission-results-"), "results");
  results = new FolderBlobStore(resultsFolder);
});

const deps = () => ({ state: parts.state, results, bus: parts.bus, now: () => NOW });

/** Submission `submissionId` of `count` masks, each linked to an accepted search of its upload. */
async function submittedSearches(submissionId: string, count: number): Promise<SearchItem[]> {
  await parts.state.recordSubmission({ submissionId, library: "lib", targetCount: 50, maskCount: count, rejected: [{ name: "notes", file: "notes.txt", reason: "not an image" }], createdAt: CREATED_AT });
  const searches: SearchItem[] = [];
  for (let position = 0; position < count; position++) {
    const maskId = `m${position}`;
    const uploadKey = `lib/${submissionId}-000${position}-neuron${position}.png`;
    await parts.state.recordSubmissionMask(submissionId, { maskId, position, name: `neuron ${position}`, sourceFile: `in/neuron${position}.png`, uploadKey });
    const spec = { params: defaultSearchParams, top: 400, submission: { submissionId, maskId } };
    const { search } = await parts.state.createSearchFromUpload({ uploadKey: `uploads/${uploadKey}`, library: "lib", maskKey: uploadKey, spec, batchCount: 1, batchSize: 50, targetCount: 50 });
    await parts.state.linkSubmissionSearch({ submissionId, maskId, searchId: search.searchId });
    searches.push(search);
  }
  return searches;
}

/** Ends a search as the combiner does (results document, then the state) and returns its Search Completed. */
async function completedEvent(search: SearchItem, best: string) {
  await parts.state.markSearchRunning(search.searchId);
  const document = buildResultsDocument(aDocumentInput({ searchId: search.searchId, matches: [aMatch(4, 321, { item: { name: best, sourcePath: `${best}.tif` } })] }));
  await results.put(`${search.searchId}.json`, new TextEncoder().encode(JSON.stringify(document)));
  await parts.state.markSearchCompleted(search.searchId, { resultsKey: `${search.searchId}.json`, matchCount: 1 });
  const event = readFixture(searchCompleted);
  event.detail.searchId = search.searchId;
  event.detail.resultsKey = `${search.searchId}.json`;
  return event;
}

/** Fails a search as a stage does and returns its Search Failed. */
async function failedEvent(search: SearchItem) {
  await parts.state.markSearchFailed(search.searchId, { reason: "the mask is empty", stage: "intake" });
  const event = readFixture(searchFailed);
  event.detail.searchId = search.searchId;
  return event;
}

describe("the submission-tracking handler", () => {
  it("records a mask's outcome when its search ends, and announces nothing while masks are outstanding", async () => {
    const [first, second] = await submittedSearches("sub-a", 2);

    await submissionTracking(await completedEvent(first, "best-a"), deps());

    const masks = await parts.state.listSubmissionMasks("sub-a");
    expect(masks.map((mask) => [mask.searchId, mask.outcome])).toEqual([[first.searchId, "completed"], [second.searchId, undefined]]);
    expect(masks[0]).toMatchObject({ matchCount: 1, topMatches: [{ name: "best-a", matchingPixels: 321 }] });
    expect(parts.bus.published).toEqual([]);
    expect(await filesUnder(resultsFolder)).toEqual([`${first.searchId}.json`]);
    expect(await parts.state.getSubmission("sub-a")).toMatchObject({ status: "open" });
  });

  it("on the last search's end, writes the summary and announces Submission Completed once", async () => {
    const [first, second] = await submittedSearches("sub-b", 2);
    await submissionTracking(await completedEvent(first, "best-b"), deps());
    const last = await failedEvent(second);

    await submissionTracking(last, deps());
    await submissionTracking(last, deps()); // redelivered

    expect(parts.bus.detailTypes()).toEqual(["Submission Completed"]);
    expect(parts.bus.detailsOf("Submission Completed")).toEqual([
      {
        submissionId: "sub-b", library: "lib", maskCount: 2, completed: 1, failed: 1, rejected: 1,
        summaryKey: "submissions/sub-b.json", summaryCsvKey: "submissions/sub-b.csv", completedAt: NOW.toISOString(), elapsedMs: 150_000,
      },
    ]);
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(await parts.state.getSubmission("sub-b")).toMatchObject({ status: "completed", completedCount: 1, failedCount: 1 });
    const summary = JSON.parse(new TextDecoder().decode(await results.get("submissions/sub-b.json"))) as SubmissionSummary;
    expect(summary.masks.map((mask) => [mask.name, mask.status])).toEqual([["neuron 0", "completed"], ["neuron 1", "failed"]]);
    expect(new TextDecoder().decode(await results.get("submissions/sub-b.csv"))).toContain("neuron 1,in/neuron1.png,failed,");
  });

  it("leaves searches that belong to no submission, and unknown searches, alone", async () => {
    const { search } = await parts.state.createSearchFromUpload({ uploadKey: "uploads/lib/own.png", library: "lib", maskKey: "lib/own.png", spec: { params: defaultSearchParams, top: 400 }, batchCount: 1, batchSize: 50, targetCount: 50 });
    const unknown = readFixture(searchFailed);

    await submissionTracking(await completedEvent(search, "best"), deps());
    await submissionTracking(unknown, deps());

    expect(parts.bus.published).toEqual([]);
    expect(await parts.state.listSubmissionsByStatus("completed")).toEqual([]);
  });

  it("ignores events other than a search's end", async () => {
    const [only] = await submittedSearches("sub-c", 1);
    await parts.state.markSearchFailed(only.searchId, { reason: "gone", stage: "worker" });
    const started = readFixture(searchStarted);
    started.detail.searchId = only.searchId;

    await submissionTracking(started, deps());

    expect((await parts.state.listSubmissionMasks("sub-c"))[0].outcome).toBeUndefined();
    expect(parts.bus.published).toEqual([]);
  });

  it("rejects a malformed event with the field at fault, and records nothing", async () => {
    const [only] = await submittedSearches("sub-d", 1);
    const event = (await completedEvent(only, "best")) as { detail: Record<string, unknown> };
    delete event.detail.resultsKey;

    await expect(submissionTracking(event, deps())).rejects.toThrow(EventValidationError);
    await expect(submissionTracking(event, deps())).rejects.toThrow(/detail\.resultsKey/);
    expect((await parts.state.listSubmissionMasks("sub-d"))[0].outcome).toBeUndefined();
    expect(parts.bus.published).toEqual([]);
  });
});
