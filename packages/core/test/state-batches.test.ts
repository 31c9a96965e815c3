import { describe, expect, it } from "vitest";
import { createPrng } from "@cds/core";
import { shuffled } from "@cds/core/library";
import { childCount, leafCount, leafOf, nodeId, parentOf, planDispatchTree } from "@cds/core/planning";
import { defaultSearchParams } from "@cds/core/search";
import { BatchResultRejectedError, stateService } from "@cds/core/state";
import type { SearchItem } from "@cds/core/entities";
import type { DispatchTree } from "@cds/core/planning";
import type { ScoredTarget } from "@cds/core/search";
import type { BatchRecording, StateStore } from "@cds/core/state";
import type { LocalState } from "@cds/local";
import { dynaliteStateForFile } from "@cds/testing/dynalite-state";

let local: LocalState;
let state: StateStore;
let uploads = 0;

/** A running search over `batchCount` batches, as dispatch leaves it, with its dispatch tree. */
async function runningSearch(batchCount: number, levels?: number): Promise<{ search: SearchItem; tree: DispatchTree }> {
  uploads++;
  const { search } = await state.createSearchFromUpload({
    uploadKey: `uploads/batches-${uploads}.png`,
    library: "flylight-gen1",
    maskKey: `masks/${uploads}.png`,
    spec: { params: defaultSearchParams, top: 400 },
    batchCount,
    batchSize: 100,
    targetCount: batchCount * 100,
  });
  return { search: await state.markSearchRunning(search.searchId), tree: planDispatchTree(batchCount, levels === undefined ? {} : { levels }) };
}

const MASK_SIZE = 1000;

/** A batch's matches: two targets of the batch's 100. */
function matchesOf(batchId: number): ScoredTarget[] {
  return [batchId * 100 + 3, batchId * 100 + 41].map((index, k) => ({ index, matchingPixels: 1000 - batchId - k, matchingRatio: (1000 - batchId - k) / MASK_SIZE, mirrored: k === 1, maskSize: MASK_SIZE }));
}

function record(searchId: string, tree: DispatchTree, batchId: number): Promise<BatchRecording> {
  return state.recordBatchResult({ searchId, batchId, tree, matches: matchesOf(batchId), maskSize: MASK_SIZE, scored: 100 });
}

/** The entities, for writing what a crash leaves behind. */
function entities() {
  return stateService(local.client, state.layout).entities;
}

/** Stores a batch result the way a worker that died right after its put leaves it: stored, not counted. */
async function putWithoutCounting(searchId: string, tree: DispatchTree, batchId: number): Promise<void> {
  const { encodeMatches } = await import("@cds/core/state");
  await entities()
    .batchResult.put({ searchId, group: leafOf(tree, batchId).firstBatch, batchId, matches: encodeMatches(matchesOf(batchId)), maskSize: MASK_SIZE, scored: 100, completedAt: new Date().toISOString(), ttl: 0 })
    .go();
}

dynaliteStateForFile((started) => {
  local = started;
  state = started.state;
}, { onDisk: true });

describe("batch results, each counted once and read back", () => {
  it("counts a batch recorded three times at once exactly once", async () => {
    const { search, tree } = await runningSearch(3);

    const recordings = await Promise.all([1, 2, 3].map(() => record(search.searchId, tree, 1)));

    expect(recordings.filter((r) => r.recorded)).toHaveLength(1);
    expect(recordings.filter((r) => r.counted)).toHaveLength(1);
    expect(await state.countCompletedBatches(search.searchId, tree)).toBe(1);
    expect(await state.listMissingBatches(search.searchId, tree)).toEqual([0, 2]);
  });

  it("announces completion exactly once, and completes each leaf exactly once, when every batch of a three-level tree arrives concurrently, shuffled, some twice", async () => {
    const { search, tree } = await runningSearch(150, 3);
    const sends = shuffled([...Array.from({ length: 150 }, (_, b) => b), 4, 77, 149, 0, 63], "shuffled batches");

    const recordings = await Promise.all(sends.map((batchId) => record(search.searchId, tree, batchId)));

    expect(recordings.filter((r) => r.reachedBatchCount)).toHaveLength(1);
    expect(recordings.filter((r) => r.counted)).toHaveLength(150);
    const completedLeaves = recordings.flatMap((r) => (r.completedLeaf ? [nodeId(r.completedLeaf)] : []));
    expect(completedLeaves.sort()).toEqual(Array.from({ length: leafCount(tree) }, (_, j) => nodeId(leafOf(tree, j * tree.branchingFactor))).sort());
    expect(await state.countCompletedBatches(search.searchId, tree)).toBe(150);
    expect(await state.listMissingBatches(search.searchId, tree)).toEqual([]);
    expect(await state.rootAnnouncedAt(search.searchId, tree)).toEqual(expect.any(String));
  });

  it("reads every batch's matches back exactly as the worker scored them, from every leaf's partition", async () => {
    const { search, tree } = await runningSearch(40);
    for (let batchId = 0; batchId < 40; batchId += 3) await record(search.searchId, tree, batchId);

    const { results, missingBatches } = await state.listBatchResults(search.searchId, tree);

    expect(results.map((r) => r.batchId)).toEqual(Array.from({ length: 14 }, (_, k) => 3 * k));
    for (const r of results) expect(r.matches).toEqual(matchesOf(r.batchId));
    expect(missingBatches).toEqual(Array.from({ length: 40 }, (_, b) => b).filter((b) => b % 3 !== 0));
  });

  it("stores a batch result of 5,000 matches in a few bytes each and reads it back exactly", async () => {
    const { search, tree } = await runningSearch(1);
    const rng = createPrng("many matches");
    const matches: ScoredTarget[] = Array.from({ length: 5000 }, (_, k) => {
      const matchingPixels = rng.int(1, 600_000);
      return { index: k * 7 + rng.int(0, 6), matchingPixels, matchingRatio: matchingPixels / 684_860, mirrored: rng.chance(0.5), maskSize: 684_860 };
    });

    await state.recordBatchResult({ searchId: search.searchId, batchId: 0, tree, matches, maskSize: 684_860, scored: 35_000 });
    const stored = await entities().batchResult.get({ searchId: search.searchId, group: 0, batchId: 0 }).go();

    expect(stored.data!.matches.byteLength).toBeLessThan(5000 * 5);
    expect((await state.listBatchResults(search.searchId, tree)).results[0].matches).toEqual(matches);
  });

  it("refuses a batch outside the search's tree and stores nothing", async () => {
    const { search, tree } = await runningSearch(2);

    await expect(record(search.searchId, tree, 2)).rejects.toBeInstanceOf(BatchResultRejectedError);

    expect((await state.listBatchResults(search.searchId, tree)).results).toEqual([]);
    expect(await state.countCompletedBatches(search.searchId, tree)).toBe(0);
  });
});

describe("batch results after a crash between storing and counting", () => {
  it("counts a batch whose worker died between storing and counting when the worker is retried", async () => {
    const { search, tree } = await runningSearch(5);
    for (const batchId of [0, 1, 3, 4]) await record(search.searchId, tree, batchId);
    await putWithoutCounting(search.searchId, tree, 2);

    const retried = await record(search.searchId, tree, 2);

    expect(retried).toMatchObject({ recorded: false, counted: true, reachedBatchCount: true });
    expect(await state.countCompletedBatches(search.searchId, tree)).toBe(5);
  });

  it("reconciles a batch stored but never counted (no retry came), announcing completion once", async () => {
    const { search, tree } = await runningSearch(5);
    for (const batchId of [0, 1, 3, 4]) await record(search.searchId, tree, batchId);
    await putWithoutCounting(search.searchId, tree, 2);

    const repairs = await Promise.all([1, 2, 3].map(() => state.reconcileCompletion(search.searchId, tree)));
    const again = await state.reconcileCompletion(search.searchId, tree);

    expect(repairs.filter((r) => r.reachedBatchCount)).toHaveLength(1);
    expect(repairs.every((r) => r.recordedBatches === 5 && r.missingBatches.length === 0)).toBe(true);
    expect(again).toEqual({ recordedBatches: 5, batchCount: 5, missingBatches: [], repaired: false, reachedBatchCount: false });
    expect(await state.countCompletedBatches(search.searchId, tree)).toBe(5);
  });

  it("reconciles a group that completed but never reached its parent (a crash inside the chain)", async () => {
    const { search, tree } = await runningSearch(100);
    expect(tree.levels).toBe(2);
    // Every batch counted, but the last leaf's completion never written into the root.
    for (let batchId = 0; batchId < 100; batchId++) {
      if (leafOf(tree, batchId).firstBatch === 90) {
        const leaf = leafOf(tree, batchId);
        await putWithoutCounting(search.searchId, tree, batchId);
        await entities().completionGroup.update({ searchId: search.searchId, node: nodeId(leaf) }).add({ done: [batchId - 90] }).set({ expected: childCount(tree, leaf) }).go();
      } else {
        await record(search.searchId, tree, batchId);
      }
    }
    expect(await state.rootAnnouncedAt(search.searchId, tree)).toBeUndefined();
    expect(parentOf(tree, leafOf(tree, 95))).toEqual({ level: 0, firstBatch: 0, batchCount: 100 });

    const repair = await state.reconcileCompletion(search.searchId, tree);

    expect(repair).toMatchObject({ recordedBatches: 100, missingBatches: [], repaired: true, reachedBatchCount: true });
    expect(await state.rootAnnouncedAt(search.searchId, tree)).toEqual(expect.any(String));
  });

  it("finishes a chain when a duplicated completion arrives after a crash between completing a leaf and recording it in the root", async () => {
    const { search, tree } = await runningSearch(20, 2);
    for (let batchId = 0; batchId < 20; batchId++) if (batchId !== 19) await record(search.searchId, tree, batchId);
    // Batch 19 was stored and counted in its leaf (completing it); the process died before the root heard of it.
    const leaf = leafOf(tree, 19);
    await putWithoutCounting(search.searchId, tree, 19);
    await entities().completionGroup.update({ searchId: search.searchId, node: nodeId(leaf) }).add({ done: [19 - leaf.firstBatch] }).set({ expected: childCount(tree, leaf) }).go();

    const duplicate = await record(search.searchId, tree, 19);

    expect(duplicate).toMatchObject({ recorded: false, counted: false, reachedBatchCount: true });
    expect(duplicate.completedLeaf).toBeUndefined(); // the leaf was completed by the first attempt
  });
});

describe("completion groups of a large search", () => {
  it("writes no completion item more than its node has children (plus one dispatch record), however many batches", async () => {
    const { search, tree } = await runningSearch(600);

    await Promise.all(Array.from({ length: 600 }, (_, b) => record(search.searchId, tree, b)));

    const items = [
      ...(await entities().completionGroup.scan.where(({ searchId }, { eq }) => eq(searchId, search.searchId)).go({ pages: "all" })).data,
    ];
    expect(items.length).toBe(leafCount(tree) + 1);
    for (const item of items) expect(item.done!.length).toBeLessThanOrEqual(64);
  });
});
