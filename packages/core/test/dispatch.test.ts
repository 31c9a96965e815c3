import { describe, expect, it } from "vitest";
import type { ShardEntry } from "../src/library/library-manifest.ts";
import { planBatchRule, type BatchPlanOptions } from "../src/planning/batch-plan.ts";
import { DispatchError, runDispatchNode, librarySources, planDispatch, type BatchSource, type DispatcherPayload, type DispatchIo, type WorkerPayload } from "../src/planning/dispatch.ts";
import { leafAt, leafCount } from "../src/planning/dispatch-tree.ts";
import type { Invoker } from "../src/ports/invoker.ts";

const names = { dispatchNode: "dispatcher", worker: "worker" };

/** An Invoker that accepts everything into a list, or refuses the names it is told to. */
function listInvoker(refuse: (functionName: string, payload: unknown) => boolean = () => false) {
  const accepted: { functionName: string; payload: unknown }[] = [];
  const invoker: Invoker = {
    async invokeAsync(functionName, payload) {
      if (refuse(functionName, payload)) throw new Error("throttled");
      accepted.push({ functionName, payload: JSON.parse(JSON.stringify(payload)) });
    },
  };
  return { invoker, accepted };
}

/** A library of `count` items in shards of `perShard`, its shard pages of `pageSize` entries, and what a leaf reads of them. */
function library(count: number, perShard: number, pageSize = 64, options: BatchPlanOptions = {}) {
  const shards: ShardEntry[] = [];
  for (let start = 0; start < count; start += perShard) shards.push({ key: `s${shards.length}`, start, count: Math.min(perShard, count - start), bytes: 1, crc32: shards.length });
  const pages: ShardEntry[][] = [];
  for (let p = 0; p < shards.length; p += pageSize) pages.push(shards.slice(p, p + pageSize));
  const rule = planBatchRule({ name: "fixture", count, shardCount: shards.length, shardSize: perShard }, options);
  const one: BatchSource = { rule, count, buildId: "b1", shardPageSize: pageSize, pageFirstItems: pages.map((p) => p[0].start), pageCrc32: pages.map((_, p) => 1000 + p) };
  const source = librarySources([{ library: "fixture", source: one }]);
  const pagesRead: number[] = [];
  const io = (invoker: Invoker): DispatchIo => ({
    invoker,
    names,
    async readShardPage(_source, page, crc32) {
      expect(crc32).toBe(1000 + page);
      pagesRead.push(page);
      return pages[page];
    },
  });
  return { shards, source, io, pagesRead };
}

describe("dispatch", () => {
  it("starts the root's sub-dispatchers with payloads that carry no list of batches, whatever the library's size", async () => {
    const small = library(45_018, 2000, 64, { batchSize: 40 });
    const big = library(1_000_000, 100);
    for (const { source, io } of [small, big]) {
      const root = planDispatch(source, { searchId: "s1" });
      const { invoker, accepted } = listInvoker();
      const outcome = await runDispatchNode(root, io(invoker));
      expect(outcome.workers).toBe(0);
      expect(accepted.every((a) => a.functionName === "dispatcher")).toBe(true);
      for (const { payload } of accepted) {
        expect((payload as DispatcherPayload).job).toEqual({ searchId: "s1" });
        expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThanOrEqual(8 * 1024);
      }
    }
  });

  it("starts one worker per batch at a leaf, with its range and the shard entries it reads, from the pages it needs only", async () => {
    const { source, io, pagesRead, shards } = library(45_018, 2000, 4, { batchSize: 40 });
    const root = planDispatch(source, { searchId: "s1" });
    const first = listInvoker();
    await runDispatchNode(root, io(first.invoker));
    const leaf = first.accepted[33].payload as DispatcherPayload<{ searchId: string }>;
    const second = listInvoker();
    const outcome = await runDispatchNode(leaf, io(second.invoker));
    expect(outcome).toEqual({ dispatchers: 0, workers: 4 });
    const workers = second.accepted.map((a) => a.payload as WorkerPayload);
    expect(workers.map((w) => w.batch)).toEqual([1122, 1123, 1124, 1125].map((batchId) => ({ batchId, start: batchId * 40, end: Math.min(batchId * 40 + 40, 45_018) })));
    expect(workers.map((w) => w.shards)).toEqual([[shards[22]], [shards[22]], [shards[22]], [shards[22]]]);
    expect(pagesRead).toEqual([5]); // shard 22 lives on page 5 of 4-entry pages
  });

  it("gives a batch that straddles two shards both entries", async () => {
    const { source, io, shards } = library(100, 30, 2, { batchSize: 20 });
    const root = planDispatch(source, null);
    const { invoker, accepted } = listInvoker();
    await runDispatchNode(root, io(invoker));
    const workers = accepted.map((a) => a.payload as WorkerPayload);
    expect(workers.map((w) => [w.batch.start, w.batch.end, w.shards.map((s) => s.key)])).toEqual([
      [0, 20, ["s0"]],
      [20, 40, ["s0", "s1"]],
      [40, 60, ["s1"]],
      [60, 80, ["s2"]],
      [80, 100, ["s2", "s3"]],
    ]);
    expect(workers[1].shards).toEqual([shards[0], shards[1]]);
  });

  it("in waves, starts only the dispatchers that hold a first-wave leaf", async () => {
    const { source, io } = library(300_000, 100);
    const root = planDispatch(source, null, { lanes: 20 });
    expect(root.lanes).toBe(20);
    const started: DispatcherPayload[] = [];
    const pending: DispatcherPayload[] = [root];
    const workers: number[] = [];
    while (pending.length > 0) {
      const { invoker, accepted } = listInvoker();
      await runDispatchNode(pending.pop()!, io(invoker));
      for (const a of accepted) {
        if (a.functionName === "dispatcher") pending.push(a.payload as DispatcherPayload), started.push(a.payload as DispatcherPayload);
        else workers.push((a.payload as WorkerPayload).batch.batchId);
      }
    }
    const leaves = started.filter((d) => d.node.level === root.tree.levels - 1);
    expect(leaves.map((d) => d.node).sort((a, b) => a.firstBatch - b.firstBatch)).toEqual(Array.from({ length: 20 }, (_, j) => leafAt(root.tree, j)));
    expect(workers.length).toBe(20 * root.tree.branchingFactor);
    expect(leafCount(root.tree)).toBeGreaterThan(20);
  });

  it("re-dispatches only the batches a leaf is told to", async () => {
    const { source, io } = library(1000, 10);
    const root = planDispatch(source, null);
    const leaf: DispatcherPayload = { ...root, node: leafAt(root.tree, 1), only: [root.tree.branchingFactor + 2, root.tree.branchingFactor + 5] };
    const { invoker, accepted } = listInvoker();
    await runDispatchNode(leaf, io(invoker));
    expect(accepted.map((a) => (a.payload as WorkerPayload).batch.batchId)).toEqual(leaf.only);
  });

  it("invokes every other child and then reports the refused ones in a DispatchError", async () => {
    const { source, io } = library(100, 100, 64, { batchSize: 10 });
    const root = planDispatch(source, null);
    const refuseOdd = (_: string, payload: unknown) => (payload as WorkerPayload).batch.batchId % 2 === 1;
    const { invoker, accepted } = listInvoker(refuseOdd);
    const error = await runDispatchNode(root, io(invoker)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).failed.map((f) => (f.payload as WorkerPayload).batch.batchId)).toEqual([1, 3, 5, 7, 9]);
    expect(accepted.map((a) => (a.payload as WorkerPayload).batch.batchId)).toEqual([0, 2, 4, 6, 8]);
  });

  it("refuses a leaf whose shard entries do not hold its batches", async () => {
    const { source } = library(100, 50, 64, { batchSize: 10 });
    const root = planDispatch(source, null);
    const { invoker } = listInvoker();
    const io: DispatchIo = { invoker, names, readShardPage: async () => [{ key: "s0", start: 0, count: 50, bytes: 1 }] };
    await expect(runDispatchNode(root, io)).rejects.toThrow(RangeError);
  });
});
