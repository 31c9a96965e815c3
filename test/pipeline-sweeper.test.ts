import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideSweep } from "@cds/core/pipeline";
import { planDispatchTree } from "@cds/core/planning";
import type { ResultsDocument } from "@cds/core/results";
import { startLocalRuntime, type LocalRuntime } from "@cds/local";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { acceptedSearchId, isSearchEvent, waitForEvent } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 4, the sweeper: batches that went missing are re-run; after the deadline the search
// finishes with partial results flagged as partial (or fails when nothing was stored).
//
// Seam: the runtime's state store (public, the object workers write through) has
// recordBatchResult wrapped so that a chosen batch's worker throws, every attempt or the first n.

const TARGETS = 400;
const BATCH_SIZE = 40; // 10 batches
const BATCHES = TARGETS / BATCH_SIZE;
const DEADLINE_MS = 3000;

describe("decideSweep", () => {
  // 4 batches in two leaves of 2 (batches 0–1 and 2–3).
  const search = { status: "running" as const, batchCount: 4 };
  const leafA = { level: 1, firstBatch: 0, batchCount: 2 };
  const leafB = { level: 1, firstBatch: 2, batchCount: 2 };
  const startedAt = new Date("2026-01-01T00:00:00Z");
  const at = (ms: number) => new Date(startedAt.getTime() + ms);
  const facts = { startedAt, retryAfterMs: 60_000, deadlineMs: 400_000, partialAllowed: true };
  const leaves = (doneA: number, doneB: number, dispatchedAt = startedAt.toISOString()) => [
    { leaf: leafA, done: doneA, dispatchedAt },
    { leaf: leafB, done: doneB, dispatchedAt },
  ];

  it("waits while batches are in flight, re-dispatches the missing ones through their leaves, then finishes partial or fails after the deadline", () => {
    expect(decideSweep(search, { ...facts, missingBatches: [1, 3], leaves: leaves(1, 1), now: at(10_000) })).toEqual({ kind: "none" });
    expect(decideSweep(search, { ...facts, missingBatches: [1, 3], leaves: leaves(1, 1), now: at(60_000) })).toEqual({
      kind: "retry",
      leaves: [{ leaf: leafA, batches: [1] }, { leaf: leafB, batches: [3] }],
    });
    // a leaf re-dispatched 30 s ago is in flight again
    expect(decideSweep(search, { ...facts, missingBatches: [1, 3], leaves: leaves(1, 1, at(60_000).toISOString()), now: at(90_000) })).toEqual({ kind: "none" });
    expect(decideSweep(search, { ...facts, missingBatches: [1, 3], leaves: leaves(1, 1), now: at(400_000) })).toEqual({ kind: "finish-partial", missingBatches: [1, 3] });
    expect(decideSweep(search, { ...facts, missingBatches: [0, 1, 2, 3], leaves: leaves(0, 0), now: at(400_000) })).toEqual({
      kind: "fail",
      reason: "the search did not finish within 400 s: 4 of 4 batches are missing",
    });
    expect(decideSweep(search, { ...facts, partialAllowed: false, missingBatches: [1], leaves: leaves(1, 2), now: at(500_000) })).toMatchObject({ kind: "fail" });
  });

  it("leaves a later-wave leaf alone until the leaf before it in its lane has completed", () => {
    const waves = { ...search, lanes: 1 };
    const notYet = [{ leaf: leafA, done: 1, dispatchedAt: startedAt.toISOString() }, { leaf: leafB, done: 0 }];
    expect(decideSweep(waves, { ...facts, missingBatches: [1, 2, 3], leaves: notYet, now: at(70_000) })).toEqual({ kind: "retry", leaves: [{ leaf: leafA, batches: [1] }] });
    const lost = [{ leaf: leafA, done: 2, dispatchedAt: startedAt.toISOString() }, { leaf: leafB, done: 0 }];
    expect(decideSweep(waves, { ...facts, missingBatches: [2, 3], leaves: lost, now: at(70_000) })).toEqual({ kind: "retry", leaves: [{ leaf: leafB, batches: [2, 3] }] });
  });

  it("reconciles stored batches that are not counted, announces a lost completion again, and leaves finished searches alone", () => {
    expect(decideSweep(search, { ...facts, missingBatches: [], leaves: leaves(2, 1), now: at(1000) })).toEqual({ kind: "reconcile" });
    expect(decideSweep(search, { ...facts, missingBatches: [3], leaves: leaves(2, 0), now: at(1000) })).toEqual({ kind: "reconcile" });
    expect(decideSweep(search, { ...facts, missingBatches: [], leaves: leaves(2, 2), now: at(1000) })).toEqual({ kind: "reconcile" });
    expect(decideSweep(search, { ...facts, missingBatches: [], leaves: leaves(2, 2), announcedAt: at(500).toISOString(), now: at(1000) })).toEqual({ kind: "none" });
    expect(decideSweep(search, { ...facts, missingBatches: [], leaves: leaves(2, 2), announcedAt: at(500).toISOString(), now: at(90_000) })).toEqual({ kind: "announce" });
    expect(decideSweep({ ...search, status: "completed" }, { ...facts, missingBatches: [1], leaves: leaves(1, 2), now: at(900_000) })).toEqual({ kind: "none" });
  });

  it("does not announce again while a combine may still run, however short the retry setting", () => {
    // Under load a combine outlasted a 300 ms retry setting and the sweeper announced it 3 more times.
    const quick = { ...facts, retryAfterMs: 300, missingBatches: [], leaves: leaves(2, 2), announcedAt: at(500).toISOString() };
    expect(decideSweep(search, { ...quick, now: at(5_000) })).toEqual({ kind: "none" });
    expect(decideSweep(search, { ...quick, now: at(16_000) })).toEqual({ kind: "announce" });
  });
});

describe("the sweeper in the local runtime", () => {
  let root: string;
  let runtime: LocalRuntime;
  /** Per mask key: the batch whose worker fails, and for how many attempts (Infinity: always). */
  const inject = new Map<string, { batchId: number; failures: number; fired: number }>();

  beforeAll(async () => {
    root = await tempDir("cds-sweeper-");
    await indexSprinkledLibrary({ root, name: "tiny", count: TARGETS, shardSize: 100 });
    runtime = await startLocalRuntime({
      root,
      pollMs: 50,
      uploadSettleMs: 0, // the search must end within DEADLINE_MS of the upload: take it at the next scan
      batchPlan: { batchSize: BATCH_SIZE },
      retryDelaysMs: [20, 20],
      concurrency: 4,
      sweepIntervalMs: 100,
      retryMissingAfterMs: 300,
      searchDeadlineMs: DEADLINE_MS,
      onError: () => undefined,
    });
    const record = runtime.state.recordBatchResult;
    runtime.state.recordBatchResult = async (input) => {
      const planned = inject.get((await runtime.state.getSearch(input.searchId))?.maskKey ?? "");
      if (planned && planned.batchId === input.batchId && planned.fired < planned.failures) {
        planned.fired++;
        throw new Error(`injected: worker of batch ${input.batchId} failed (attempt ${planned.fired})`);
      }
      return record(input);
    };
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  async function search(file: string, batchId: number, failures: number) {
    const maskKey = `tiny/${file}`;
    const injected = { batchId, failures, fired: 0 };
    inject.set(maskKey, injected);
    await uploadSprinkledMask({ root, library: "tiny", file, seed: 777 + batchId });
    const searchId = await acceptedSearchId(runtime, maskKey);
    await waitForEvent(runtime, (e) => isSearchEvent(e, "Search Completed", searchId) || isSearchEvent(e, "Search Failed", searchId), 20_000);
    await runtime.bus.idle();
    await runtime.invoker.idle();
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few more sweeps: nothing more may happen
    const log = (await runtime.bus.readLog()).filter((e) => "searchId" in e.detail && e.detail.searchId === searchId);
    const count = (type: string) => log.filter((e) => e["detail-type"] === type).length;
    const document = JSON.parse(await readFile(join(root, "results", `${searchId}.json`), "utf8")) as ResultsDocument;
    return { searchId, injected, count, document, log };
  }

  it("finishes a search with a batch that always fails as partial after the deadline, listing the batch missing", async () => {
    const started = Date.now();
    const { searchId, injected, count, document, log } = await search("always.tif", 3, Infinity);

    expect(Date.now() - started).toBeGreaterThanOrEqual(DEADLINE_MS - 500);
    expect(injected.fired).toBeGreaterThan(3); // the sweeper re-ran it (each run: 3 attempts)
    expect(count("Search Completed")).toBe(1);
    expect(count("Search Failed")).toBe(0);
    expect(count("Search Batches Completed")).toBe(0);
    expect(log.find((e) => e["detail-type"] === "Search Completed")?.detail).toMatchObject({ partial: true });
    expect(await runtime.state.getSearch(searchId)).toMatchObject({ status: "completed", partial: true });
    expect(document).toMatchObject({ partial: true, missingBatches: [3], scored: TARGETS - BATCH_SIZE });
  });

  it("re-runs a batch whose worker gave up after 3 attempts, and completes not partial with every target scored once", async () => {
    const started = Date.now();
    const { searchId, injected, count, document } = await search("flaky.tif", 6, 3);

    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);
    expect(injected.fired).toBe(3);
    expect(count("Batch Failed")).toBe(1);
    expect({ completed: count("Search Completed"), failed: count("Search Failed"), batchesCompleted: count("Search Batches Completed") }).toEqual({ completed: 1, failed: 0, batchesCompleted: 1 });
    const { results: batches } = await runtime.state.listBatchResults(searchId, planDispatchTree(BATCHES));
    expect(batches.map((b) => b.batchId)).toEqual(Array.from({ length: BATCHES }, (_, i) => i));
    expect(batches.reduce((sum, b) => sum + b.scored, 0)).toBe(TARGETS);
    expect(await runtime.state.getSearch(searchId)).toMatchObject({ status: "completed", completedBatches: BATCHES });
    expect(document).toMatchObject({ partial: false, scored: TARGETS });
    expect(document.missingBatches).toBeUndefined();
  });
});
