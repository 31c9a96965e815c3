import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SearchJob } from "@cds/core/pipeline";
import type { DispatcherPayload } from "@cds/core/planning";
import { BlobNotFoundError } from "@cds/core/ports";
import { functionNames, inProcessBatchScorer, worker } from "@cds/functions";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { startedSearch } from "./started-search.ts";

// The worker on real parts: the in-process scorer reading the upload folder and a 40-target
// library (4 batches of 10), core's state store on dynalite, and a bus and an invoker that record
// what they were given. Its payloads are the ones a started search's dispatch tree produces.

const parts = handlerPartsOnDynalite({ library: true });

const deps = () => ({ state: parts.state, bus: parts.bus, invoker: parts.invoker, scorer: inProcessBatchScorer({ uploads: parts.uploads, libraries: parts.libraries }) });

describe("the worker", () => {
  it("records each batch's result, and the one that completes the search announces Search Batches Completed", async () => {
    const { search, workers } = await startedSearch(parts);
    const tree = workers[0].tree;

    for (const payload of workers.slice(0, 3)) await worker(payload, deps());
    expect(parts.bus.published).toEqual([]);
    expect(await parts.state.countCompletedBatches(search.searchId, tree)).toBe(3);

    await worker(workers[3], deps());

    expect(parts.bus.detailsOf("Search Batches Completed")).toEqual([{ searchId: search.searchId, batchCount: 4 }]);
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(await parts.state.listMissingBatches(search.searchId, tree)).toEqual([]);
    const { results } = await parts.state.listBatchResults(search.searchId, tree);
    expect(results.map((result) => result.batchId).sort()).toEqual([0, 1, 2, 3]);
    expect(results.every((result) => result.scored === 10)).toBe(true);
  });

  it("counts a batch run twice once, and announces the search's completion once", async () => {
    const { search, workers } = await startedSearch(parts);

    for (const payload of [...workers, workers[1], workers[3]]) await worker(payload, deps());

    expect(await parts.state.countCompletedBatches(search.searchId, workers[0].tree)).toBe(4);
    expect(parts.bus.detailTypes()).toEqual(["Search Batches Completed"]);
  });

  it("in waves, the batch that completes a leaf starts the next wave's leaf", async () => {
    const { workers } = await startedSearch(parts, { dispatchTree: { levels: 2 }, lanes: 1 });
    expect(workers.map((payload) => payload.batch.batchId)).toEqual([0, 1]);

    await worker(workers[0], deps());
    expect(parts.invoker.invocations).toEqual([]);
    await worker(workers[1], deps());

    const next = parts.invoker.payloadsOf(functionNames.dispatchNode) as DispatcherPayload<SearchJob>[];
    expect(next.map((payload) => [payload.node, payload.lanes])).toEqual([[{ level: 1, firstBatch: 2, batchCount: 2 }, 1]]);
    expect(parts.bus.published).toEqual([]);
  });

  it("fails the search at once when a shard fails its checksum, recording nothing", async () => {
    const { search, workers } = await startedSearch(parts);
    const damaged = { ...workers[2], shards: workers[2].shards.map((shard) => ({ ...shard, crc32: ((shard.crc32 ?? 0) + 1) >>> 0 })) };

    await worker(damaged, deps());

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "failed", failure: { stage: "worker" } });
    expect(parts.bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ searchId: search.searchId, stage: "worker", reason: expect.stringMatching(/^the search could not be scored: .*checksum/) })]);
    expect(await parts.state.countCompletedBatches(search.searchId, workers[0].tree)).toBe(0);
  });

  it("rethrows a failure that is not the library's (its mask is gone), for a retry, recording and failing nothing", async () => {
    const { search, workers } = await startedSearch(parts);
    await rm(join(parts.root, "uploads", search.maskKey));

    await expect(worker(workers[0], deps())).rejects.toThrow(BlobNotFoundError);

    expect(await parts.state.getSearch(search.searchId)).toMatchObject({ status: "running" });
    expect(await parts.state.countCompletedBatches(search.searchId, workers[0].tree)).toBe(0);
    expect(parts.bus.published).toEqual([]);
  });

  it("refuses a malformed payload with what is wrong", async () => {
    const { workers } = await startedSearch(parts);

    await expect(worker({ ...workers[0], shards: [] }, deps())).rejects.toMatchObject({ name: "PayloadError" });
    await expect(worker({ ...workers[0], batch: { batchId: 0 } }, deps())).rejects.toThrow(/not a worker payload: batch\.start/);
    expect(parts.bus.published).toEqual([]);
  });
});
