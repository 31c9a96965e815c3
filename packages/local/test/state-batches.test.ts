import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchResultRejectedError, createPrng, MATCHES_GZIP_THRESHOLD_BYTES, shuffled } from "@cds/core";
import type { BatchRecording, Reconciliation, SearchItem, StateStore } from "@cds/core";
import { startLocalState } from "@cds/local";
import type { LocalState } from "@cds/local";
import { tempDir } from "../../../test/support/temp-dir.ts";

let local: LocalState;
let state: StateStore;
let uploads = 0;

/** A running search over `batchCount` batches, as dispatch leaves it. */
async function runningSearch(batchCount: number): Promise<SearchItem> {
  uploads++;
  const { search } = await state.createSearchFromUpload({
    uploadKey: `uploads/batches-${uploads}.png`,
    library: "flylight-gen1",
    maskKey: `masks/${uploads}.png`,
    parameters: {},
    batchCount,
    batchSize: 100,
    targetCount: batchCount * 100,
  });
  return state.markSearchRunning(search.searchId);
}

/** A small batch's matches. */
function matchesOf(batchId: number) {
  return [{ name: `target-${batchId}-a`, score: 100 - batchId }, { name: `target-${batchId}-b`, score: 50 }];
}

/** Stores a batch result the way a worker that died right after its put would leave it: uncounted. */
async function putWithoutCounting(searchId: string, batchId: number): Promise<void> {
  await state.service.entities.batchResult
    .put({ searchId, batchId, matches: JSON.stringify(matchesOf(batchId)), matchesEncoding: "json", scored: 100, completedAt: new Date().toISOString(), ttl: 0 })
    .go();
}

beforeAll(async () => {
  local = await startLocalState({ folder: join(await tempDir("cds-state-"), "db") });
  state = local.state;
});

afterAll(async () => {
  await local?.stop();
});

describe("batch results", () => {
  it("counts a batch recorded three times at once exactly once", async () => {
    const search = await runningSearch(3);

    const recordings = await Promise.all([1, 2, 3].map(() => state.recordBatchResult({ searchId: search.searchId, batchId: 1, matches: matchesOf(1), scored: 100 })));

    expect(recordings.filter((r) => r.recorded)).toHaveLength(1);
    expect(recordings.filter((r) => r.counted)).toHaveLength(1);
    expect((await state.getSearch(search.searchId))?.completedBatches).toBe(1);
    expect(await state.listMissingBatches(search.searchId)).toEqual([0, 2]);
  });

  it("lets exactly one caller observe completion when batches arrive at once, in random order, with duplicates", async () => {
    // Prepare: 40 batches, each sent 1–3 times, shuffled.
    const batchCount = 40;
    const search = await runningSearch(batchCount);
    const prng = createPrng(7);
    const sends: number[] = [];
    for (let b = 0; b < batchCount; b++) for (let copies = prng.int(1, 3); copies > 0; copies--) sends.push(b);

    // Act
    const recordings = await Promise.all(
      shuffled(sends, 11).map((batchId) => state.recordBatchResult({ searchId: search.searchId, batchId, matches: matchesOf(batchId), scored: 100 })),
    );

    // Assess
    expect(recordings.filter((r) => r.reachedBatchCount)).toHaveLength(1);
    expect(recordings.filter((r) => r.reachedBatchCount)[0]).toMatchObject({ completedBatches: batchCount, batchCount });
    expect(recordings.filter((r) => r.recorded)).toHaveLength(batchCount);
    expect((await state.getSearch(search.searchId))?.completedBatches).toBe(batchCount);
    expect(await state.listMissingBatches(search.searchId)).toEqual([]);
  });

  it("lists every batch's results in batch order with the matches it was given", async () => {
    const search = await runningSearch(12);
    for (const batchId of shuffled([...Array(12).keys()], 3)) {
      await state.recordBatchResult({ searchId: search.searchId, batchId, matches: matchesOf(batchId), scored: 100 + batchId, completedAt: "2030-03-01T00:00:00.000Z" });
    }

    const results = await state.listBatchResults<{ name: string; score: number }>(search.searchId);

    expect(results.map((r) => r.batchId)).toEqual([...Array(12).keys()]);
    expect(results[10]).toEqual({
      searchId: search.searchId,
      batchId: 10,
      matches: matchesOf(10),
      scored: 110,
      completedAt: "2030-03-01T00:00:00.000Z",
      ttl: Date.parse("2030-03-01T00:00:00.000Z") / 1000 + 30 * 24 * 3600,
    });
  });

  it("round-trips batch results over 400 KB of JSON each, across several result pages", async () => {
    // Prepare: hex names compress about 2:1, so each batch is stored at ~320 KB and five of
    // them need more than one 1 MB query page.
    const search = await runningSearch(5);
    const big = (batchId: number) => Array.from({ length: 4000 }, (_, i) => ({ name: randomBytes(48).toString("hex"), batchId, rank: i, score: i * 0.5 }));
    const sent = [0, 1, 2, 3, 4].map(big);
    expect(JSON.stringify(sent[0]).length).toBeGreaterThan(400 * 1024);

    // Act
    for (const [batchId, matches] of sent.entries()) await state.recordBatchResult({ searchId: search.searchId, batchId, matches, scored: 4000 });
    const results = await state.listBatchResults(search.searchId);

    // Assess
    expect(results.map((r) => r.matches)).toEqual(sent);
    const stored = await state.service.entities.batchResult.get({ searchId: search.searchId, batchId: 0 }).go();
    expect(stored.data?.matchesEncoding).toBe("gzip-base64");
    expect(stored.data!.matches.length).toBeLessThan(400 * 1024);
    const firstPage = await state.service.entities.batchResult.query.bySearch({ searchId: search.searchId }).go({ pages: 1 });
    expect(firstPage.data.length).toBeLessThan(5);
    expect(firstPage.cursor).not.toBeNull();
  });

  it("stores small batch results as plain JSON", async () => {
    const search = await runningSearch(1);

    await state.recordBatchResult({ searchId: search.searchId, batchId: 0, matches: matchesOf(0), scored: 1 });

    const stored = await state.service.entities.batchResult.get({ searchId: search.searchId, batchId: 0 }).go();
    expect(stored.data?.matchesEncoding).toBe("json");
    expect(JSON.stringify(matchesOf(0)).length).toBeLessThan(MATCHES_GZIP_THRESHOLD_BYTES);
  });

  it("rejects a batch outside the search's batches, and one too large even compressed, storing neither", async () => {
    const search = await runningSearch(2);
    const incompressible = [randomBytes(600 * 1024).toString("base64")];

    const outOfRange = await state.recordBatchResult({ searchId: search.searchId, batchId: 2, matches: [], scored: 0 }).catch((e: unknown) => e);
    const tooLarge = await state.recordBatchResult({ searchId: search.searchId, batchId: 1, matches: incompressible, scored: 0 }).catch((e: unknown) => e);

    expect(outOfRange).toBeInstanceOf(BatchResultRejectedError);
    expect(tooLarge).toBeInstanceOf(BatchResultRejectedError);
    expect(await state.listBatchResults(search.searchId)).toEqual([]);
    expect((await state.getSearch(search.searchId))?.completedBatches).toBe(0);
  });

  it("stores but does not count a batch that arrives after its search finished", async () => {
    const search = await runningSearch(2);
    await state.markSearchCompleted(search.searchId, { resultsKey: "results/partial.json", matchCount: 0, partial: true });

    const late = await state.recordBatchResult({ searchId: search.searchId, batchId: 0, matches: matchesOf(0), scored: 100 });

    expect(late).toMatchObject({ recorded: true, counted: false, reachedBatchCount: false, completedBatches: 0 });
  });

  it("reconciles a counter left behind by a worker that died between its put and its increment", async () => {
    // Prepare: batch 2 stored but never counted; every other batch recorded normally.
    const search = await runningSearch(5);
    await putWithoutCounting(search.searchId, 2);
    for (const batchId of [0, 1, 3, 4]) await state.recordBatchResult({ searchId: search.searchId, batchId, matches: matchesOf(batchId), scored: 100 });
    const retried = await state.recordBatchResult({ searchId: search.searchId, batchId: 2, matches: matchesOf(2), scored: 100 });
    expect(retried).toMatchObject({ recorded: false, counted: false, reachedBatchCount: false, completedBatches: 4 });
    expect(await state.listMissingBatches(search.searchId)).toEqual([]);

    // Act
    const repair = await state.reconcileCompletedBatches(search.searchId);
    const again = await state.reconcileCompletedBatches(search.searchId);

    // Assess: repaired once, and the repair announced completion once.
    expect(repair).toEqual({ recordedBatches: 5, completedBatches: 5, batchCount: 5, missingBatches: [], repaired: true, reachedBatchCount: true });
    expect(again).toEqual({ recordedBatches: 5, completedBatches: 5, batchCount: 5, missingBatches: [], repaired: false, reachedBatchCount: false });
    expect((await state.getSearch(search.searchId))?.completedBatches).toBe(5);
  });

  it("reports missing batches and changes nothing when the counter already agrees", async () => {
    const search = await runningSearch(4);
    await state.recordBatchResult({ searchId: search.searchId, batchId: 1, matches: matchesOf(1), scored: 100 });

    const report = await state.reconcileCompletedBatches(search.searchId);

    expect(report).toEqual({ recordedBatches: 1, completedBatches: 1, batchCount: 4, missingBatches: [0, 2, 3], repaired: false, reachedBatchCount: false });
  });

  it("still counts each batch once after a repair, and the last batch observes completion", async () => {
    const search = await runningSearch(6);
    await putWithoutCounting(search.searchId, 0);
    expect((await state.reconcileCompletedBatches(search.searchId)).completedBatches).toBe(1);

    const recordings = await Promise.all(
      shuffled([1, 2, 3, 4, 5, 1, 3, 5], 5).map((batchId) => state.recordBatchResult({ searchId: search.searchId, batchId, matches: matchesOf(batchId), scored: 100 })),
    );

    expect(recordings.filter((r) => r.reachedBatchCount)).toHaveLength(1);
    expect((await state.getSearch(search.searchId))?.completedBatches).toBe(6);
  });

  it("never counts past the batches stored, and completes once, when sweeper repairs race with workers", async () => {
    // Prepare: 5 of 30 batches stored by workers that died before counting.
    const batchCount = 30;
    const search = await runningSearch(batchCount);
    for (const batchId of [3, 9, 14, 21, 27]) await putWithoutCounting(search.searchId, batchId);
    const workers = shuffled([...Array(batchCount).keys()].filter((b) => ![3, 9, 14, 21, 27].includes(b)), 17);

    // Act: workers (some sent twice) and five reconciliations, all at once.
    const outcomes: (BatchRecording | Reconciliation)[] = await Promise.all([
      ...[...workers, ...workers.slice(0, 8)].map((batchId) =>
        state.recordBatchResult({ searchId: search.searchId, batchId, matches: matchesOf(batchId), scored: 100 }),
      ),
      ...[1, 2, 3, 4, 5].map(() => state.reconcileCompletedBatches(search.searchId)),
    ]);
    const final = await state.reconcileCompletedBatches(search.searchId);

    // Assess
    expect(outcomes.filter((o) => o.reachedBatchCount).length + (final.reachedBatchCount ? 1 : 0)).toBe(1);
    expect((await state.getSearch(search.searchId))?.completedBatches).toBe(batchCount);
    expect(final.missingBatches).toEqual([]);
  });
});
