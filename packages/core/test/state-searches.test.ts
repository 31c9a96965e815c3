import { describe, expect, it } from "vitest";
import { defaultSearchParams } from "@cds/core/search";
import { IllegalStatusTransitionError, SearchNotFoundError, stateService } from "@cds/core/state";
import type { NewSearch, StateStore } from "@cds/core/state";
import type { LocalState } from "@cds/local";
import { dynaliteStateForFile } from "@cds/testing/dynalite-state";

let local: LocalState;
let state: StateStore;
let uploads = 0;

/** A search for a fresh upload key, as intake would create it. */
function newSearch(overrides: Partial<NewSearch> = {}): NewSearch {
  uploads++;
  return {
    uploadKey: `uploads/Mask ${uploads}.png`,
    library: "flylight-gen1",
    maskKey: `masks/${uploads}.png`,
    spec: { params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400 },
    batchCount: 4,
    batchSize: 250,
    targetCount: 1000,
    ...overrides,
  };
}

dynaliteStateForFile((started) => {
  local = started;
  state = started.state;
}, { onDisk: true });

describe("searches created from uploads", () => {
  it("reads back a created search by its id, with its fields and status accepted", async () => {
    const input = newSearch({ spec: { params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400, notifyEmail: "fly@example.org" } });

    const { search, created } = await state.createSearchFromUpload(input);

    expect(created).toBe(true);
    expect(await state.getSearch(search.searchId)).toEqual({
      searchId: search.searchId,
      uploadKey: input.uploadKey,
      library: "flylight-gen1",
      maskKey: input.maskKey,
      params: { ...defaultSearchParams, xyShift: 2 as const },
      top: 400,
      status: "accepted",
      batchCount: 4,
      batchSize: 250,
      completedBatches: 0,
      targetCount: 1000,
      submittedAt: search.submittedAt,
      notifyEmail: "fly@example.org",
      // Cleared by intake once Search Accepted is published; recovery at start looks for it.
      acceptedEventPending: true,
    });
  });

  it("answers undefined for a search that does not exist", async () => {
    expect(await state.getSearch("no-such-search")).toBeUndefined();
  });

  it("creates one search for an upload whose event arrives five times at once", async () => {
    const input = newSearch();

    const creations = await Promise.all([1, 2, 3, 4, 5].map(() => state.createSearchFromUpload(input)));

    expect(new Set(creations.map((c) => c.search.searchId)).size).toBe(1);
    expect(creations.filter((c) => c.created)).toHaveLength(1);
    const accepted = await state.listSearchesByStatus("accepted", { limit: 1000 });
    expect(accepted.items.filter((s) => s.uploadKey === input.uploadKey)).toHaveLength(1);
  });

  it("does not create a second search when the same upload event comes again later", async () => {
    const input = newSearch();
    const first = await state.createSearchFromUpload(input);

    const again = await state.createSearchFromUpload({ ...input, searchId: "a-fresh-id" });

    expect(again).toEqual({ search: first.search, created: false });
    expect(await state.getSearch("a-fresh-id")).toBeUndefined();
  });

  it("finds the search created from an upload key, and none for an unknown key", async () => {
    const input = newSearch();
    const { search } = await state.createSearchFromUpload(input);

    expect((await state.findSearchByUpload(input.uploadKey))?.searchId).toBe(search.searchId);
    expect(await state.findSearchByUpload("uploads/never.png")).toBeUndefined();
  });

  it("treats upload keys that differ only in case as different uploads", async () => {
    const lower = newSearch({ uploadKey: "uploads/case/mask.png" });
    const upper = newSearch({ uploadKey: "uploads/case/MASK.png" });

    const a = await state.createSearchFromUpload(lower);
    const b = await state.createSearchFromUpload(upper);

    expect(b.created).toBe(true);
    expect(b.search.searchId).not.toBe(a.search.searchId);
  });

  it("finishes a search whose process died after claiming the upload, when the event is redelivered", async () => {
    // Prepare: the crash left the claim written and the search not.
    const input = newSearch();
    await stateService(local.client, state.layout).entities.uploadClaim
      .put({ uploadKey: input.uploadKey, searchId: "claimed-before-crash", claimedAt: new Date().toISOString() })
      .go();
    expect(await state.findSearchByUpload(input.uploadKey)).toBeUndefined();

    // Act: the redelivered event proposes a new id.
    const { search, created } = await state.createSearchFromUpload({ ...input, searchId: "proposed-on-retry" });

    // Assess: the claim's id wins, once.
    expect(created).toBe(true);
    expect(search.searchId).toBe("claimed-before-crash");
    expect((await state.findSearchByUpload(input.uploadKey))?.searchId).toBe("claimed-before-crash");
    expect(await state.getSearch("proposed-on-retry")).toBeUndefined();
  });
});

describe("searches listed by status and moved between statuses", () => {
  it("lists searches of a status newest first, page by page", async () => {
    const library = "paging-library";
    const times = ["2030-01-01T00:00:03.000Z", "2030-01-01T00:00:01.000Z", "2030-01-01T00:00:05.000Z", "2030-01-01T00:00:02.000Z", "2030-01-01T00:00:04.000Z"];
    const ids: string[] = [];
    for (const submittedAt of times) {
      const { search } = await state.createSearchFromUpload(newSearch({ library, submittedAt }));
      await state.markSearchFailed(search.searchId, { reason: "paging test", stage: "intake" });
      ids.push(search.searchId);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await state.listSearchesByStatus("failed", { limit: 2, cursor });
      seen.push(...page.items.filter((s) => s.library === library).map((s) => s.submittedAt));
      cursor = page.cursor;
      pages++;
    } while (cursor);

    expect(seen).toEqual([...times].sort().reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it("moves a search from accepted to running to completed with its results", async () => {
    const { search } = await state.createSearchFromUpload(newSearch());

    const running = await state.markSearchRunning(search.searchId, "2030-02-01T00:00:00.000Z");
    const completed = await state.markSearchCompleted(search.searchId, {
      resultsKey: `results/${search.searchId}.json`,
      matchCount: 42,
      partial: true,
      completedAt: "2030-02-01T00:01:00.000Z",
    });

    expect(running).toMatchObject({ status: "running", startedAt: "2030-02-01T00:00:00.000Z" });
    expect(completed).toMatchObject({
      status: "completed",
      resultsKey: `results/${search.searchId}.json`,
      matchCount: 42,
      partial: true,
      completedAt: "2030-02-01T00:01:00.000Z",
    });
    const listed = await state.listSearchesByStatus("completed", { limit: 1000 });
    expect(listed.items.map((s) => s.searchId)).toContain(search.searchId);
    const stillRunning = await state.listSearchesByStatus("running", { limit: 1000 });
    expect(stillRunning.items.map((s) => s.searchId)).not.toContain(search.searchId);
  });

  it("fails a search from accepted and from running, keeping the reason and stage", async () => {
    const fromAccepted = (await state.createSearchFromUpload(newSearch())).search;
    const fromRunning = (await state.createSearchFromUpload(newSearch())).search;
    await state.markSearchRunning(fromRunning.searchId);

    const a = await state.markSearchFailed(fromAccepted.searchId, { reason: "The mask is empty after thresholding", stage: "intake" });
    const b = await state.markSearchFailed(fromRunning.searchId, { reason: "batches missing after the deadline", stage: "sweeper" });

    expect(a).toMatchObject({ status: "failed", failure: { reason: "The mask is empty after thresholding", stage: "intake" } });
    expect(b).toMatchObject({ status: "failed", failure: { reason: "batches missing after the deadline", stage: "sweeper" } });
  });

  it("rejects illegal status transitions with a typed error and leaves the search unchanged", async () => {
    const { search } = await state.createSearchFromUpload(newSearch());
    const results = { resultsKey: "results/x.json", matchCount: 1 };

    const completedFromAccepted = await state.markSearchCompleted(search.searchId, results).catch((e: unknown) => e);
    await state.markSearchRunning(search.searchId);
    const runningTwice = await state.markSearchRunning(search.searchId).catch((e: unknown) => e);
    await state.markSearchCompleted(search.searchId, results);
    const failedAfterCompleted = await state.markSearchFailed(search.searchId, { reason: "late", stage: "sweeper" }).catch((e: unknown) => e);
    const completedTwice = await state.markSearchCompleted(search.searchId, { resultsKey: "results/other.json", matchCount: 9 }).catch((e: unknown) => e);

    expect(completedFromAccepted).toBeInstanceOf(IllegalStatusTransitionError);
    expect(completedFromAccepted).toMatchObject({ to: "completed", actual: "accepted", allowedFrom: ["running"] });
    expect(runningTwice).toMatchObject({ name: "IllegalStatusTransitionError", to: "running", actual: "running" });
    expect(failedAfterCompleted).toMatchObject({ name: "IllegalStatusTransitionError", to: "failed", actual: "completed", allowedFrom: ["accepted", "running"] });
    expect(completedTwice).toMatchObject({ name: "IllegalStatusTransitionError", to: "completed", actual: "completed" });
    expect(await state.getSearch(search.searchId)).toMatchObject({ status: "completed", resultsKey: "results/x.json", matchCount: 1 });
  });

  it("rejects a status change of a search that does not exist with SearchNotFoundError", async () => {
    const error = await state.markSearchRunning("no-such-search").catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SearchNotFoundError);
    expect(await state.getSearch("no-such-search")).toBeUndefined();
  });
});

describe("searches refused at creation", () => {
  it("refuses a search with no batches", async () => {
    await expect(state.createSearchFromUpload(newSearch({ batchCount: 0 }))).rejects.toMatchObject({ name: "ParameterError", parameter: "batchCount" });
  });
});
