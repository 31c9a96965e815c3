import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LibraryManifest } from "@cds/core/library";
import type { SearchJob } from "@cds/core/pipeline";
import { type DispatcherPayload, planDispatchTree } from "@cds/core/planning";
import type { ResultsDocument } from "@cds/core/results";
import { parseSearchParams } from "@cds/core/search";
import { functionNames } from "@cds/functions";
import { runLocalSearch, startLocalRuntime, type LocalRuntime } from "@cds/local";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { acceptedSearchId, isSearchEvent, waitForEvent } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary, WHOLE_IMAGE_PARAMS } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 4, "Done when": a 5,000-target library is searched through a dispatch tree of at least
// two levels; every target is scored exactly once (counts add up) even when a worker is made to
// fail once mid-batch and an upload event is delivered twice.
//
// Seams used, all in this file: the runtime's invoker (public) is watched to see the tree the
// dispatchers walk, and its state store (public, and the very object the workers write through)
// has recordBatchResult wrapped so that one chosen batch's worker throws once.

const TARGETS = 5000;
const BATCH_SIZE = 40; // 125 batches: the runtime picks a two-level tree on its own (33 … 2,048 batches)
const BATCHES = Math.ceil(TARGETS / BATCH_SIZE);

type Failure = "before its result is stored" | "after its result is stored";

describe("a 5,000-target search through a two-level dispatch tree", () => {
  let root: string;
  let runtime: LocalRuntime;
  let manifest: LibraryManifest;
  const dispatchers: DispatcherPayload<SearchJob>[] = [];
  const workerInvocations = new Map<string, number>();
  /** The batch that fails once in the search of each mask key, and how. */
  const inject = new Map<string, { batchId: number; when: Failure; fired: number }>();

  beforeAll(async () => {
    root = await tempDir("cds-tree-");
    manifest = await indexSprinkledLibrary({ root, name: "tiny", count: TARGETS, shardSize: 100 });
    runtime = await startLocalRuntime({ root, pollMs: 50, batchPlan: { batchSize: BATCH_SIZE }, retryDelaysMs: [20, 20], concurrency: 4, onError: () => undefined });

    // Watch the tree: every invocation goes through runtime.invoker.invokeAsync (retries excepted).
    const invokeAsync = runtime.invoker.invokeAsync.bind(runtime.invoker);
    runtime.invoker.invokeAsync = (functionName, payload) => {
      if (functionName === functionNames.dispatchNode) dispatchers.push(structuredClone(payload as DispatcherPayload<SearchJob>));
      else {
        const { job, batch } = payload as { job: SearchJob; batch: { batchId: number } };
        const key = `${job.searchId} ${batch.batchId}`;
        workerInvocations.set(key, (workerInvocations.get(key) ?? 0) + 1);
      }
      return invokeAsync(functionName, payload);
    };
    // Make one worker of a chosen search fail once, before or after its batch result is stored.
    const record = runtime.state.recordBatchResult;
    runtime.state.recordBatchResult = async (input) => {
      const planned = inject.get((await runtime.state.getSearch(input.searchId))?.maskKey ?? "");
      const firing = planned !== undefined && planned.batchId === input.batchId && planned.fired === 0;
      if (firing) planned.fired++;
      if (firing && planned.when === "before its result is stored") throw new Error(`injected: worker of batch ${input.batchId} died mid-batch`);
      const recorded = await record(input);
      if (firing) throw new Error(`injected: worker of batch ${input.batchId} died after storing its result`);
      return recorded;
    };
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  it.each<[Failure, string, number]>([
    ["before its result is stored", "a.tif", 57],
    ["after its result is stored", "b.tif", 58],
  ])("scores every target once when one worker fails %s and the upload event arrives twice", async (when, file, batchId) => {
    // Prepare
    const mask = sprinkledImage(64, 32, 4242 + batchId, 0.3);
    const maskKey = `tiny/${file}`;
    const path = join(root, "uploads", "tiny", file);
    const injected = { batchId, when, fired: 0 };
    inject.set(maskKey, injected);
    await uploadSprinkledMask({ root, library: "tiny", file, seed: 4242 + batchId });

    // Act: the watcher publishes the upload; a second, identical event follows by hand
    const searchId = await acceptedSearchId(runtime, maskKey);
    const info = await stat(path);
    await runtime.bus.publish([{ source: "aws.s3", detailType: "Object Created", detail: { bucket: { name: "uploads" }, object: { key: maskKey, size: info.size, etag: `${info.size}-${Math.floor(info.mtimeMs)}` } } }]);
    await waitForEvent(runtime, (e) => isSearchEvent(e, "Search Completed", searchId));
    await runtime.bus.idle();
    await runtime.invoker.idle();

    // Assess: the failure happened, and the tree had two levels
    expect(injected.fired).toBe(1);
    const tree = dispatchers.filter((d) => d.job.searchId === searchId);
    expect(tree[0].tree).toMatchObject({ batchCount: BATCHES, levels: 2 });
    expect(tree.filter((d) => d.node.level === 0)).toHaveLength(1);
    const leaves = tree.filter((d) => d.node.level === 1);
    expect(leaves.length).toBeGreaterThanOrEqual(2);
    expect(leaves.reduce((sum, d) => sum + d.node.batchCount, 0)).toBe(BATCHES);
    // each batch was invoked once by a leaf (the retry of the failed one is the invoker's own)
    const invoked = [...workerInvocations].filter(([key]) => key.startsWith(`${searchId} `));
    expect(invoked).toHaveLength(BATCHES);
    expect(invoked.every(([, n]) => n === 1)).toBe(true);

    // counts add up
    const log = (await runtime.bus.readLog()).filter((e) => "searchId" in e.detail && e.detail.searchId === searchId);
    const count = (type: string) => log.filter((e) => e["detail-type"] === type).length;
    expect(log.filter((e) => e["detail-type"] === "Object Created")).toHaveLength(0); // (no searchId on S3 events)
    expect((await runtime.bus.readLog()).filter((e) => e["detail-type"] === "Object Created" && e.detail.object.key === maskKey)).toHaveLength(2);
    expect({ accepted: count("Search Accepted"), started: count("Search Started"), batchesCompleted: count("Search Batches Completed"), batchFailed: count("Batch Failed"), completed: count("Search Completed"), failed: count("Search Failed") }).toEqual({
      accepted: 1, started: 1, batchesCompleted: 1, batchFailed: 0, completed: 1, failed: 0,
    });
    const { results: batches } = await runtime.state.listBatchResults(searchId, planDispatchTree(BATCHES));
    expect(batches.map((b) => b.batchId)).toEqual(Array.from({ length: BATCHES }, (_, i) => i));
    expect(batches.reduce((sum, b) => sum + b.scored, 0)).toBe(TARGETS);
    expect(await runtime.state.getSearch(searchId)).toMatchObject({ status: "completed", batchCount: BATCHES, completedBatches: BATCHES });
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
    expect(document).toMatchObject({ scored: TARGETS, partial: false });

    // and the ranking is the one-process search's
    const reference = await runLocalSearch({ mask, params: parseSearchParams(WHOLE_IMAGE_PARAMS), library: { kind: "indexed", root: join(root, "libraries", "tiny"), manifest }, top: document.results.length, workers: 1 });
    expect(reference.scored).toBe(TARGETS);
    expect(document.results.map((r) => [r.index, r.matchingPixels, r.mirrored])).toEqual(reference.matches.map((m) => [m.index, m.matchingPixels, m.mirrored]));
  });
});
