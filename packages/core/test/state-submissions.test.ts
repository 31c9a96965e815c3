import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildResultsDocument } from "@cds/core/results";
import { defaultSearchParams } from "@cds/core/search";
import type { NewSubmissionMask, StateStore } from "@cds/core/state";
import { completeSubmissionIfDone, sweepSubmissions, trackSubmissionSearch, type SubmissionSummary } from "@cds/core/submission";
import { FolderBlobStore, type LocalState } from "@cds/local";
import { aDocumentInput, aMatch } from "@cds/testing/results-builders";
import { startDynaliteState } from "@cds/testing/dynalite-state";
import { tempDir } from "@cds/testing/temp-dir";

// Submissions on dynalite: recorded once however often the command runs, each mask linked to
// one search, each outcome recorded once, completed (summary written) exactly once.

let local: LocalState;
let state: StateStore;
let results: FolderBlobStore;

const mask = (i: number): NewSubmissionMask => ({ maskId: `mask${i}`, position: i, name: `neuron ${i}`, sourceFile: `masks/n${i}.png`, uploadKey: `lib/sub-1-000${i}-n${i}.png` });

/** A submission of `count` masks, each with an accepted search made from its upload. */
async function submissionWithSearches(submissionId: string, count: number) {
  await state.recordSubmission({ submissionId, library: "lib", targetCount: 100, maskCount: count, rejected: [{ name: "bad", file: "bad.png", reason: "not an image" }] });
  const searches = [];
  for (let i = 0; i < count; i++) {
    await state.recordSubmissionMask(submissionId, mask(i));
    const { search } = await state.createSearchFromUpload({
      uploadKey: `uploads/${submissionId}/${i}`, library: "lib", maskKey: mask(i).uploadKey, spec: { params: defaultSearchParams, top: 400, submission: { submissionId, maskId: mask(i).maskId } }, batchCount: 1, batchSize: 100, targetCount: 100,
    });
    expect(await state.linkSubmissionSearch({ submissionId, maskId: mask(i).maskId, searchId: search.searchId })).toBe(true);
    searches.push(search);
  }
  return searches;
}

/** Completes a search with a results document of one match. */
async function complete(searchId: string, best: string) {
  await state.markSearchRunning(searchId);
  const document = buildResultsDocument(aDocumentInput({ searchId, matches: [aMatch(3, 400, { item: { name: best, sourcePath: `${best}.tif` } })] }));
  await results.put(`${searchId}.json`, new TextEncoder().encode(JSON.stringify(document)));
  await state.markSearchCompleted(searchId, { resultsKey: `${searchId}.json`, matchCount: 1 });
}

beforeEach(async () => {
  local = await startDynaliteState();
  state = local.state;
  results = new FolderBlobStore(join(await tempDir("cds-submission-results-"), "results"));
});

afterEach(async () => {
  await local?.stop();
});

describe("submissions", () => {
  it("are recorded once; a re-run finds the record and the masks listed, each with its first upload key", async () => {
    const first = await state.recordSubmission({ submissionId: "sub-1", library: "lib", targetCount: 100, maskCount: 3, rejected: [], notifyEmail: "a@example.org" });
    await state.recordSubmissionMask("sub-1", mask(0));
    const again = await state.recordSubmission({ submissionId: "sub-1", library: "lib", targetCount: 100, maskCount: 3, rejected: [], notifyEmail: "b@example.org" });
    const relisted = await state.recordSubmissionMask("sub-1", { ...mask(0), uploadKey: "lib/another-key.png" });

    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, submission: { notifyEmail: "a@example.org", status: "open", maskCount: 3 } });
    expect(again.masks.map((m) => m.maskId)).toEqual(["mask0"]);
    expect(relisted.uploadKey).toBe(mask(0).uploadKey);
  });

  it("link a mask to its first search only, and record its outcome once, from that search only", async () => {
    const [search] = await submissionWithSearches("sub-2", 1);
    expect(await state.linkSubmissionSearch({ submissionId: "sub-2", maskId: "mask0", searchId: "a-stray-duplicate" })).toBe(false);

    expect(await state.recordMaskOutcome({ submissionId: "sub-2", maskId: "mask0", searchId: "a-stray-duplicate", outcome: "failed", failureReason: "x" })).toBe(false);
    expect(await state.recordMaskOutcome({ submissionId: "sub-2", maskId: "mask0", searchId: search.searchId, outcome: "completed", matchCount: 2 })).toBe(true);
    expect(await state.recordMaskOutcome({ submissionId: "sub-2", maskId: "mask0", searchId: search.searchId, outcome: "failed", failureReason: "late" })).toBe(false);
    expect((await state.listSubmissionMasks("sub-2"))[0]).toMatchObject({ searchId: search.searchId, outcome: "completed", matchCount: 2 });
  });

  it("complete exactly once, when the last search ends, with the summary in the results bucket", async () => {
    const searches = await submissionWithSearches("sub-3", 3);
    await complete(searches[0].searchId, "t-a");
    await state.markSearchFailed(searches[1].searchId, { reason: "the mask is empty", stage: "intake" });

    expect(await trackSubmissionSearch(searches[0].searchId, { state, results })).toBeUndefined();
    expect(await trackSubmissionSearch(searches[1].searchId, { state, results })).toBeUndefined();
    await complete(searches[2].searchId, "t-c");
    // The last search's event handled three times at once (a redelivery, a sweeper): one completes it.
    const outcomes = await Promise.all([1, 2, 3].map(() => trackSubmissionSearch(searches[2].searchId, { state, results })));

    const completed = outcomes.filter(Boolean);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.summary.counts).toEqual({ masks: 3, completed: 2, failed: 1, rejected: 1 });
    expect(await state.getSubmission("sub-3")).toMatchObject({ status: "completed", completedCount: 2, failedCount: 1, summaryKey: "submissions/sub-3.json" });
    const summary = JSON.parse(new TextDecoder().decode(await results.get("submissions/sub-3.json"))) as SubmissionSummary;
    expect(summary.masks.map((m) => [m.name, m.status, m.topMatches[0]?.name ?? m.reason])).toEqual([
      ["neuron 0", "completed", "t-a"],
      ["neuron 1", "failed", "(intake) the mask is empty"],
      ["neuron 2", "completed", "t-c"],
    ]);
    expect(new TextDecoder().decode(await results.get("submissions/sub-3.csv"))).toContain("neuron 1,masks/n1.png,failed,");
    expect(await completeSubmissionIfDone("sub-3", { state, results })).toBeUndefined();
  });

  it("do not complete before every listed mask exists, however many outcomes are in", async () => {
    await state.recordSubmission({ submissionId: "sub-4", library: "lib", targetCount: 100, maskCount: 2, rejected: [] });
    await state.recordSubmissionMask("sub-4", mask(0));
    await state.recordMaskOutcome({ submissionId: "sub-4", maskId: "mask0", searchId: "s0", outcome: "completed" });
    expect(await completeSubmissionIfDone("sub-4", { state, results })).toBeUndefined();
  });

  it("are completed by the sweeper when the last outcome was never recorded", async () => {
    const searches = await submissionWithSearches("sub-5", 2);
    await complete(searches[0].searchId, "t-a");
    await complete(searches[1].searchId, "t-b");
    await trackSubmissionSearch(searches[0].searchId, { state, results });
    // the second search's Search Completed was lost: nothing recorded its outcome

    const swept = await sweepSubmissions({ state, results });

    expect(swept.map((c) => c.submission.submissionId)).toEqual(["sub-5"]);
    expect((await state.listSubmissionMasks("sub-5")).map((m) => m.outcome)).toEqual(["completed", "completed"]);
    expect(await sweepSubmissions({ state, results })).toEqual([]);
  });
});
