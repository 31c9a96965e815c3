import { describe, expect, it } from "vitest";
import type { SearchJob } from "@cds/core/pipeline";
import { parseWorkerPayload, type DispatcherPayload, type DispatchTreeOptions, type WorkerPayload } from "@cds/core/planning";
import { dispatchNode, functionNames } from "@cds/functions";
import { handlerPartsOnDynalite } from "@cds/testing/handler-parts-on-dynalite";
import { admittedSearch } from "./started-search.ts";

// One node of a search's dispatch tree, on real parts: a 40-target library in a folder (4 shards
// of 10, so 4 batches), core's state store on dynalite, and an invoker that records what it was
// asked to start. The root payloads are the ones admission starts a search with.

const parts = handlerPartsOnDynalite({ library: true });

const deps = () => ({ invoker: parts.invoker, libraries: parts.libraries, state: parts.state });

/** An accepted search started by the admission handler: the payload of its tree's root node. */
async function rootOfNewSearch(dispatchTree?: DispatchTreeOptions): Promise<DispatcherPayload<SearchJob>> {
  return (await admittedSearch(parts, dispatchTree)).root;
}

const workers = () => parts.invoker.payloadsOf(functionNames.worker) as WorkerPayload<SearchJob>[];
const dispatchedLeaves = async (payload: DispatcherPayload<SearchJob>) =>
  (await parts.state.listLeafStates(payload.job.searchId, payload.tree)).filter((leaf) => leaf.dispatchedAt !== undefined).map((leaf) => leaf.leaf);

describe("a leaf dispatch node", () => {
  it("starts one worker per batch, each with its shard and the search's job, and records that the leaf started them", async () => {
    const payload = await rootOfNewSearch();

    const outcome = await dispatchNode(payload, deps());

    expect(outcome).toEqual({ dispatchers: 0, workers: 4 });
    expect(parts.invoker.payloadsOf(functionNames.dispatchNode)).toEqual([]);
    expect(workers().map((worker) => worker.batch)).toEqual([0, 1, 2, 3].map((k) => ({ batchId: k, start: 10 * k, end: 10 * k + 10 })));
    for (const worker of workers()) {
      expect(parseWorkerPayload(worker)).toBeTruthy(); // what a worker takes
      expect(worker.shards.map((shard) => [shard.start, shard.count])).toEqual([[worker.batch.start, 10]]);
      expect(worker).toMatchObject({ library: "tiny", tree: payload.tree, sources: payload.sources, job: payload.job });
    }
    expect(await dispatchedLeaves(payload)).toEqual([{ level: 0, firstBatch: 0, batchCount: 4 }]);
  });

  it("re-dispatched with `only`, starts just those of its batches", async () => {
    const payload = await rootOfNewSearch();

    const outcome = await dispatchNode({ ...payload, only: [1, 3, 9] }, deps());

    expect(outcome).toEqual({ dispatchers: 0, workers: 2 });
    expect(workers().map((worker) => worker.batch.batchId)).toEqual([1, 3]);
  });

  it("rejects when the invoker refuses its workers, naming how many", async () => {
    const payload = await rootOfNewSearch();
    parts.invoker.refuse(functionNames.worker, new Error("Rate exceeded"));

    const dispatching = dispatchNode(payload, deps());

    await expect(dispatching).rejects.toMatchObject({ name: "DispatchError" });
    await expect(dispatching).rejects.toThrow(/could not invoke 4 of its children; first error: Rate exceeded/);
    expect(parts.invoker.invocations).toEqual([]);
  });

  it("refuses a shard page that fails its checksum, and starts no worker", async () => {
    const payload = await rootOfNewSearch();
    const damaged = { ...payload, sources: payload.sources.map((source) => ({ ...source, pageCrc32: source.pageCrc32.map((crc) => (crc + 1) >>> 0) })) };

    await expect(dispatchNode(damaged, deps())).rejects.toThrow(/shard page 0 of the library .* is damaged/);
    expect(parts.invoker.invocations).toEqual([]);
  });
});

describe("an inner dispatch node", () => {
  it("starts its child nodes, which start the workers of their own batches", async () => {
    const payload = await rootOfNewSearch({ levels: 2 });

    const outcome = await dispatchNode(payload, deps());

    expect(outcome).toEqual({ dispatchers: 2, workers: 0 });
    expect(workers()).toEqual([]);
    const children = parts.invoker.payloadsOf(functionNames.dispatchNode) as DispatcherPayload<SearchJob>[];
    expect(children.map((child) => child.node)).toEqual([
      { level: 1, firstBatch: 0, batchCount: 2 },
      { level: 1, firstBatch: 2, batchCount: 2 },
    ]);
    expect(children.every((child) => child.job.searchId === payload.job.searchId)).toBe(true);
    expect(await dispatchedLeaves(payload)).toEqual([]);

    expect(await dispatchNode(children[1], deps())).toEqual({ dispatchers: 0, workers: 2 });
    expect(workers().map((worker) => worker.batch.batchId)).toEqual([2, 3]);
    expect(await dispatchedLeaves(payload)).toEqual([children[1].node]);
  });

  it("in waves, starts only the children that hold a first-wave leaf", async () => {
    const payload = await rootOfNewSearch({ levels: 2 });

    expect(await dispatchNode({ ...payload, lanes: 1 }, deps())).toEqual({ dispatchers: 1, workers: 0 });
    expect((parts.invoker.payloadsOf(functionNames.dispatchNode) as DispatcherPayload<SearchJob>[]).map((child) => [child.node.firstBatch, child.lanes])).toEqual([[0, 1]]);
  });

  it("rejects when the invoker refuses its child nodes", async () => {
    const payload = await rootOfNewSearch({ levels: 2 });
    parts.invoker.refuse(functionNames.dispatchNode, new Error("TooManyRequestsException"));

    await expect(dispatchNode(payload, deps())).rejects.toThrow(/could not invoke 2 of its children; first error: TooManyRequestsException/);
  });
});

describe("a malformed dispatch payload", () => {
  it("is refused with what is wrong, before anything is started or recorded", async () => {
    const payload = await rootOfNewSearch();
    const { job: _job, ...noJob } = payload;

    await expect(dispatchNode(noJob, deps())).rejects.toMatchObject({ name: "PayloadError" });
    await expect(dispatchNode(noJob, deps())).rejects.toThrow(/not a dispatcher payload: job/);
    await expect(dispatchNode({ ...payload, node: { ...payload.node, level: -1 } }, deps())).rejects.toThrow(/not a dispatcher payload: node\.level/);
    await expect(dispatchNode("search-dispatch-node", deps())).rejects.toThrow(/not a dispatcher payload/);
    expect(parts.invoker.invocations).toEqual([]);
    expect(await dispatchedLeaves(payload)).toEqual([]);
  });
});
