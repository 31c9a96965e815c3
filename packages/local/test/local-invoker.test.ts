import { setTimeout as sleep } from "node:timers/promises";
import {
  childrenOf,
  runDispatchNode,
  planBatchRule,
  planDispatch,
  rootOf,
  type BatchSource,
  type LibraryBatches,
  librarySources,
  type DispatcherNode,
  type DispatcherPayload,
  type DispatchTree,
  type WorkerPayload,
} from "@cds/core/planning";
import { describe, expect, it } from "vitest";
import { FunctionNotFoundError, InvalidPayloadError, LocalInvoker, type InvocationFailure } from "../src/index.ts";

const names = { dispatchNode: "search-dispatcher", worker: "search-worker" };
const noWait = [0, 0];

/** A one-shard library of `count` items in batches of 40, as a leaf finds it. */
function source(count: number): LibraryBatches[] {
  const rule = planBatchRule({ name: "fixture", count, shardCount: 1, shardSize: count }, { batchSize: 40 });
  const one: BatchSource = { rule, count, buildId: "b1", shardPageSize: 64, pageFirstItems: [0], pageCrc32: [0] };
  return librarySources([{ library: "fixture", source: one }]);
}
const readShardPage = async () => [{ key: "s0", start: 0, count: 45_018, bytes: 1 }];

function dispatcherCount(tree: DispatchTree): number {
  let count = 0;
  const stack: DispatcherNode[] = [rootOf(tree)];
  while (stack.length > 0) {
    const children = childrenOf(tree, stack.pop()!);
    count++;
    if (children.kind === "dispatchers") stack.push(...children.nodes);
  }
  return count;
}

describe("LocalInvoker: a whole dispatch tree", () => {
  it("runs a 3-level dispatch tree over 1,126 batches: every batch once, one invocation per node and worker", async () => {
    const invoker = new LocalInvoker({ concurrency: 8, retryDelaysMs: noWait });
    const started: number[] = [];
    const invocations = { dispatcher: 0, worker: 0 };
    invoker.register(names.dispatchNode, async (payload) => {
      invocations.dispatcher++;
      await runDispatchNode(payload as DispatcherPayload, { invoker, names, readShardPage });
    });
    invoker.register(names.worker, async (payload) => {
      invocations.worker++;
      started.push((payload as WorkerPayload).batch.batchId);
    });
    const root = planDispatch(source(45_018), { searchId: "s1" }, { levels: 3 });

    await invoker.invokeAsync(names.dispatchNode, root);
    await invoker.idle();

    expect(root.tree).toEqual({ batchCount: 1126, levels: 3, branchingFactor: 11 });
    expect(started.toSorted((a, b) => a - b)).toEqual(Array.from({ length: 1126 }, (_, k) => k));
    expect(invocations).toEqual({ dispatcher: dispatcherCount(root.tree), worker: 1126 });
    expect(invocations.dispatcher).toBe(1 + 10 + 103);
  });
});

describe("LocalInvoker: retries of a failing handler", () => {
  it("retries a handler that fails twice and reports nothing once the third attempt succeeds", async () => {
    const failures: InvocationFailure[] = [];
    const invoker = new LocalInvoker({ retryDelaysMs: noWait, onFailure: (f) => void failures.push(f) });
    let attempts = 0;
    invoker.register("flaky", async () => {
      attempts++;
      if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
    });

    await invoker.invokeAsync("flaky", { n: 1 });
    await invoker.idle();

    expect(attempts).toBe(3);
    expect(failures).toEqual([]);
  });

  it("stops after three attempts and reports the last error once", async () => {
    const failures: InvocationFailure[] = [];
    const invoker = new LocalInvoker({ retryDelaysMs: noWait, onFailure: (f) => void failures.push(f) });
    let attempts = 0;
    invoker.register("broken", async () => {
      attempts++;
      throw new Error(`attempt ${attempts} failed`);
    });

    await invoker.invokeAsync("broken", { batchId: 7 });
    await invoker.idle();

    expect(attempts).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ functionName: "broken", payload: { batchId: 7 }, attempts: 3 });
    expect((failures[0].error as Error).message).toBe("attempt 3 failed");
  });

  it("gives every attempt an unmodified copy of the payload", async () => {
    const invoker = new LocalInvoker({ retryDelaysMs: noWait, onFailure: () => {} });
    const seen: unknown[] = [];
    invoker.register("mutator", async (payload) => {
      seen.push(structuredClone(payload));
      (payload as { list: number[] }).list.push(99);
      throw new Error("again");
    });
    const payload = { list: [1] };

    await invoker.invokeAsync("mutator", payload);
    payload.list.push(2);
    await invoker.idle();

    expect(seen).toEqual([{ list: [1] }, { list: [1] }, { list: [1] }]);
  });
});

describe("LocalInvoker: concurrency, and idle()", () => {
  it("never runs more invocations at once than its concurrency", async () => {
    const invoker = new LocalInvoker({ concurrency: 3, retryDelaysMs: noWait });
    let inFlight = 0;
    let maxInFlight = 0;
    let done = 0;
    invoker.register("slow", async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(2);
      inFlight--;
      done++;
    });

    await Promise.all(Array.from({ length: 30 }, (_, k) => invoker.invokeAsync("slow", { k })));
    await invoker.idle();

    expect(done).toBe(30);
    expect(maxInFlight).toBe(3);
  });

  it("resolves idle() only after invocations made by running handlers, including retries, have finished", async () => {
    const invoker = new LocalInvoker({ concurrency: 2, retryDelaysMs: [5, 5] });
    const finished: string[] = [];
    let leafAttempts = 0;
    invoker.register("parent", async () => {
      await sleep(5);
      void invoker.invokeAsync("child", {}); // not awaited: idle() must still count it
      finished.push("parent");
    });
    invoker.register("child", async () => {
      await sleep(5);
      await invoker.invokeAsync("leaf", {});
      finished.push("child");
    });
    invoker.register("leaf", async () => {
      leafAttempts++;
      if (leafAttempts === 1) throw new Error("first attempt fails");
      await sleep(5);
      finished.push("leaf");
    });

    await invoker.invokeAsync("parent", {});
    await invoker.idle();

    expect(finished).toEqual(["parent", "child", "leaf"]);
    expect(leafAttempts).toBe(2);
  });

  it("resolves idle() at once when nothing was invoked", async () => {
    await new LocalInvoker().idle();
  });
});

describe("LocalInvoker: invocations refused when made", () => {
  it("rejects an invocation of an unregistered function when it is made", async () => {
    const invoker = new LocalInvoker();
    invoker.register("known", async () => {});
    await expect(invoker.invokeAsync("unknown", {})).rejects.toBeInstanceOf(FunctionNotFoundError);
    await invoker.idle();
  });

  it("rejects a payload that is not JSON or is over the size limit", async () => {
    const invoker = new LocalInvoker({ maxPayloadBytes: 100 });
    invoker.register("fn", async () => {});
    await expect(invoker.invokeAsync("fn", { n: 1n })).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(invoker.invokeAsync("fn", { text: "x".repeat(200) })).rejects.toThrow(/over the 100-byte limit/);
  });
});
