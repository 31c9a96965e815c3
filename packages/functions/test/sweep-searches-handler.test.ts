import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SearchJob } from "@cds/core/pipeline";
import type { DispatcherPayload } from "@cds/core/planning";
import { functionNames, sweepSearches } from "@cds/functions";
import { FolderBlobStore } from "@cds/local";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { scoredSearch } from "./started-search.ts";

// One sweep on real parts: searches part-scored by the pipeline's own handlers on a 40-target
// library (4 batches), core's state store on dynalite, the results bucket as a folder, and a bus
// and an invoker that record what they were given. The sweep's clock is moved on instead of
// waiting: `later(s)` is s seconds from now.

const parts = handlerPartsOnDynalite({ library: true });

const later = (seconds: number) => () => new Date(Date.now() + seconds * 1000);
const deps = (now: () => Date) => ({
  state: parts.state, uploads: parts.uploads, libraries: parts.libraries, results: new FolderBlobStore(join(parts.root, "results")), bus: parts.bus, invoker: parts.invoker, now,
});
const statusOf = async (searchId: string) => (await parts.state.getSearch(searchId))?.status;

describe("a sweep of running searches", () => {
  it("leaves the missing batches of a young search to the workers in flight", async () => {
    const { search } = await scoredSearch(parts, { skip: [1] });

    expect(await sweepSearches(deps(later(10)))).toEqual([{ searchId: search.searchId, decision: "none" }]);

    expect(parts.invoker.invocations).toEqual([]);
    expect(parts.bus.published).toEqual([]);
  });

  it("dispatches missing batches again through their leaf once they are no longer in flight", async () => {
    const { search } = await scoredSearch(parts, { skip: [1, 3] });

    expect(await sweepSearches(deps(later(61)))).toEqual([{ searchId: search.searchId, decision: "retry" }]);

    const payloads = parts.invoker.payloadsOf(functionNames.dispatchNode) as DispatcherPayload<SearchJob>[];
    expect(payloads.map((payload) => [payload.node, payload.only, payload.job.searchId])).toEqual([[{ level: 0, firstBatch: 0, batchCount: 4 }, [1, 3], search.searchId]]);
  });

  it("past the deadline, finishes the search with the results it has, flagged partial", async () => {
    const { search } = await scoredSearch(parts, { skip: [2] });

    expect(await sweepSearches(deps(later(401)))).toEqual([{ searchId: search.searchId, decision: "finish-partial" }]);

    expect(await statusOf(search.searchId)).toBe("completed");
    expect(parts.bus.detailsOf("Search Completed")).toEqual([expect.objectContaining({ searchId: search.searchId, partial: true })]);
  });

  it("past the deadline without partial results allowed, fails the search in the sweeper stage", async () => {
    const { search } = await scoredSearch(parts, { skip: [2] });

    await sweepSearches(deps(later(401)), { partialAllowed: false });

    expect(await statusOf(search.searchId)).toBe("failed");
    expect(parts.bus.detailsOf("Search Failed")).toEqual([
      expect.objectContaining({ searchId: search.searchId, stage: "sweeper", reason: "the search did not finish within 400 s: 1 of 4 batches are missing (partial results are not allowed)" }),
    ]);
  });

  it("announces a completion again when the search still runs long after it was announced", async () => {
    const { search } = await scoredSearch(parts);

    expect(await sweepSearches(deps(later(10)))).toEqual([{ searchId: search.searchId, decision: "none" }]);
    expect(await sweepSearches(deps(later(3600)))).toEqual([{ searchId: search.searchId, decision: "announce" }]);

    expect(parts.bus.detailsOf("Search Batches Completed")).toEqual([{ searchId: search.searchId, batchCount: 4 }]);
  });

  it("then admits the searches that wait for a free slot", async () => {
    const waiting = await parts.acceptMask();

    expect(await sweepSearches(deps(later(0)))).toEqual([]);

    expect(await statusOf(waiting.searchId)).toBe("running");
    expect(parts.bus.detailsOf("Search Started")).toEqual([expect.objectContaining({ searchId: waiting.searchId })]);
    expect(parts.invoker.payloadsOf(functionNames.dispatchNode)).toHaveLength(1);
  });
});
