import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { stateTableLayout } from "@cds/core/entities";
import { planDispatchTree } from "@cds/core/planning";
import { defaultSearchParams } from "@cds/core/search";
import { createStateStore } from "@cds/core/state";
import { createDocumentClient, ensureStateTable, startDynalite, startLocalState } from "@cds/local";
import { tempDir } from "@cds/testing/temp-dir";

describe("local state on dynalite", () => {
  it("keeps searches, batch counts and subscriptions across a dynalite restart on the same folder", async () => {
    // Prepare: write through one server, then stop it.
    const folder = join(await tempDir("cds-state-"), "db");
    const before = await startLocalState({ folder });
    const { search } = await before.state.createSearchFromUpload({
      uploadKey: "uploads/persist.png",
      library: "flylight-gen1",
      maskKey: "masks/persist.png",
      spec: { params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400 },
      batchCount: 2,
      batchSize: 10,
      targetCount: 20,
    });
    await before.state.markSearchRunning(search.searchId);
    const tree = planDispatchTree(2);
    const match = { index: 3, matchingPixels: 1, matchingRatio: 1 / 9, mirrored: true, maskSize: 9 };
    await before.state.recordBatchResult({ searchId: search.searchId, batchId: 0, tree, matches: [match], maskSize: 9, scored: 10 });
    const subscription = await before.state.createSubscription({ url: "https://hook.example", events: ["Search Completed"], secret: "s" });
    await before.stop();
    expect(await readdir(folder)).toContain("CURRENT");

    // Act: a new server (new port) on the same folder.
    const after = await startLocalState({ folder });
    try {
      // Assess: everything is there, and counting carries on from where it was.
      expect(after.endpoint).not.toBe(before.endpoint);
      expect(await after.state.getSearch(search.searchId)).toMatchObject({ status: "running" });
      expect(await after.state.countCompletedBatches(search.searchId, tree)).toBe(1);
      expect((await after.state.findSearchByUpload("uploads/persist.png"))?.searchId).toBe(search.searchId);
      expect((await after.state.listBatchResults(search.searchId, tree)).results.map((r) => r.matches)).toEqual([[match]]);
      expect(await after.state.getSubscription(subscription.subscriptionId)).toEqual(subscription);
      const duplicate = await after.state.createSearchFromUpload({
        uploadKey: "uploads/persist.png",
        library: "flylight-gen1",
        maskKey: "masks/persist.png",
        spec: { params: defaultSearchParams, top: 400 },
        batchCount: 2,
        batchSize: 10,
        targetCount: 20,
      });
      expect(duplicate).toMatchObject({ created: false, search: { searchId: search.searchId } });
      const last = await after.state.recordBatchResult({ searchId: search.searchId, batchId: 1, tree, matches: [], maskSize: 9, scored: 10 });
      expect(last).toMatchObject({ recorded: true, counted: true, reachedBatchCount: true });
      expect(await after.state.countCompletedBatches(search.searchId, tree)).toBe(2);
    } finally {
      await after.stop();
    }
  });

  it("works in memory when no folder is given, and forgets on stop", async () => {
    const first = await startLocalState();
    await first.state.putLibrary({ name: "in-memory", location: "x", count: 1, width: 1, height: 1 });
    expect(await first.state.getLibrary("in-memory")).toBeDefined();
    await first.stop();

    const second = await startLocalState();
    try {
      expect(await second.state.getLibrary("in-memory")).toBeUndefined();
    } finally {
      await second.stop();
    }
  });

  it("uses the configured table name and key attribute names", async () => {
    // Prepare: a table laid out with other names.
    const dynamo = await startDynalite();
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    const table = { tableName: "Custom", fields: { pk: "PK", sk: "SK", gsi1pk: "GSI1PK", gsi1sk: "GSI1SK" }, indexes: { gsi1: "GSI1" } };
    try {
      await ensureStateTable(client, stateTableLayout(table));
      await ensureStateTable(client, stateTableLayout(table));
      const state = createStateStore({ client, table });

      // Act
      const { search } = await state.createSearchFromUpload({ uploadKey: "u", library: "l", maskKey: "m", spec: { params: defaultSearchParams, top: 400 }, batchCount: 1, batchSize: 1, targetCount: 1 });
      await state.markSearchFailed(search.searchId, { reason: "r", stage: "intake" });

      // Assess: the items carry the configured key names, and the status index answers.
      const { Items } = await client.send(new ScanCommand({ TableName: "Custom" }));
      const stored = Items?.find((item) => item.searchId === search.searchId && item.status === "failed");
      expect(stored).toMatchObject({ PK: expect.any(String), SK: expect.any(String), GSI1PK: expect.any(String), GSI1SK: expect.any(String) });
      expect(stored).not.toHaveProperty("pk");
      expect((await state.listSearchesByStatus("failed")).items.map((s) => s.searchId)).toEqual([search.searchId]);
    } finally {
      client.destroy();
      await dynamo.stop();
    }
  });
});
