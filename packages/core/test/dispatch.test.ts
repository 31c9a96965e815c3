import { describe, expect, it } from "vitest";
import type { LibraryLayout } from "../src/library/library-manifest.ts";
import { planBatches } from "../src/planning/batch-plan.ts";
import { dispatch, DispatchError, planDispatch, type DispatcherPayload, type WorkerPayload } from "../src/planning/dispatch.ts";
import type { Invoker } from "../src/ports/invoker.ts";

const names = { dispatcher: "dispatcher", worker: "worker" };

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

function layout(count: number): LibraryLayout {
  return { name: "fixture", width: 10, height: 10, count, shards: [{ key: "s0", start: 0, count, bytes: 1 }] };
}

describe("dispatch", () => {
  it("starts the root's sub-dispatchers, each carrying only its own batches", async () => {
    const root = planDispatch(planBatches(layout(45_018), { batchSize: 40 }), { searchId: "s1" });
    const { invoker, accepted } = listInvoker();
    const outcome = await dispatch(root.node, root.plan, invoker, names);
    expect(outcome).toEqual({ dispatchers: 34, workers: 0 });
    const payloads = accepted.map((a) => a.payload as DispatcherPayload<{ searchId: string }>);
    expect(accepted.every((a) => a.functionName === "dispatcher")).toBe(true);
    for (const { node, plan } of payloads) {
      expect(plan.batches.map((b) => b.batchId)).toEqual(Array.from({ length: node.batchCount }, (_, k) => node.firstBatch + k));
      expect(plan.job).toEqual({ searchId: "s1" });
    }
  });

  it("starts one worker per batch at a leaf, with its range, the batch count and the job", async () => {
    const root = planDispatch(planBatches(layout(45_018), { batchSize: 40 }), { searchId: "s1" });
    const first = listInvoker();
    await dispatch(root.node, root.plan, first.invoker, names);
    const leaf = first.accepted[33].payload as DispatcherPayload<{ searchId: string }>;
    const second = listInvoker();
    const outcome = await dispatch(leaf.node, leaf.plan, second.invoker, names);
    expect(outcome).toEqual({ dispatchers: 0, workers: 4 });
    expect(second.accepted.map((a) => a.payload as WorkerPayload)).toEqual([1122, 1123, 1124, 1125].map((batchId) => ({
      batch: { batchId, start: batchId * 40, end: Math.min(batchId * 40 + 40, 45_018) },
      batchCount: 1126,
      job: { searchId: "s1" },
    })));
  });

  it("invokes every other child and then reports the refused ones in a DispatchError", async () => {
    const root = planDispatch(planBatches(layout(100), { batchSize: 10 }), null);
    const refuseOdd = (_: string, payload: unknown) => (payload as WorkerPayload).batch.batchId % 2 === 1;
    const { invoker, accepted } = listInvoker(refuseOdd);
    const error = await dispatch(root.node, root.plan, invoker, names).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).failed.map((f) => (f.payload as WorkerPayload).batch.batchId)).toEqual([1, 3, 5, 7, 9]);
    expect(accepted.map((a) => (a.payload as WorkerPayload).batch.batchId)).toEqual([0, 2, 4, 6, 8]);
  });

  it("refuses a plan whose batches do not hold the node's batches", async () => {
    const root = planDispatch(planBatches(layout(100), { batchSize: 10 }), null);
    const { invoker } = listInvoker();
    await expect(dispatch(root.node, { ...root.plan, batches: root.plan.batches.slice(0, 5) }, invoker, names)).rejects.toThrow(RangeError);
  });
});
