import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateTableDefinition, stateTableLayout } from "@cds/core/entities";
import { planDispatchTree } from "@cds/core/planning";
import { defaultSearchParams } from "@cds/core/search";
import { createStateStore, type StateStore } from "@cds/core/state";
import { type RunningDynalite, startDynalite } from "@cds/local";
import { createDynamoDocumentClient } from "@cds/aws";
import { localClientConfig } from "@cds/testing/aws/local-endpoint";

const TABLE = "cds-aws-state";
let dynamo: RunningDynalite;
let base: DynamoDBClient;
let state: StateStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  base = new DynamoDBClient(localClientConfig(dynamo.endpoint));
  const client = createDynamoDocumentClient({ client: base });
  await client.send(new CreateTableCommand(stateTableDefinition(stateTableLayout({ tableName: TABLE }))));
  state = createStateStore({ client, table: { tableName: TABLE } });
});

afterAll(async () => {
  base?.destroy();
  await dynamo?.stop();
});

describe("createDynamoDocumentClient on dynalite (the DynamoDB API over LevelDB)", () => {
  it("runs the state store: a search is created once per upload, read back, and moves on to running", async () => {
    const input = {
      uploadKey: "flylight/Mask 1.png",
      library: "flylight",
      maskKey: "masks/1.png",
      // Parsed parameters carry unset options as undefined members.
      spec: { params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400, notifyEmail: undefined },
      batchCount: 2,
      batchSize: 500,
      targetCount: 1000,
    };
    // Act
    const { search, created } = await state.createSearchFromUpload(input);
    const again = await state.createSearchFromUpload(input);
    const running = await state.markSearchRunning(search.searchId, "2025-11-25T14:00:00.000Z");
    // Assess
    expect(created).toBe(true);
    expect(again).toMatchObject({ created: false, search: { searchId: search.searchId } });
    expect(await state.getSearch(search.searchId)).toEqual(running);
    expect(running).toMatchObject({ status: "running", startedAt: "2025-11-25T14:00:00.000Z", uploadKey: "flylight/Mask 1.png" });
    expect({ params: running.params, top: running.top }).toEqual({ params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400 });
    expect(running).not.toHaveProperty("notifyEmail");
  });

  it("records a batch result and counts it once, however often it is recorded", async () => {
    const { search } = await state.createSearchFromUpload({
      uploadKey: "flylight/Mask 2.png", library: "flylight", maskKey: "masks/2.png",
      spec: { params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400 }, batchCount: 2, batchSize: 500, targetCount: 1000,
    });
    await state.markSearchRunning(search.searchId);
    const tree = planDispatchTree(2);
    const batch = { searchId: search.searchId, batchId: 0, tree, matches: [{ index: 7, matchingPixels: 12, matchingRatio: 12 / 300, mirrored: false, maskSize: 300 }], maskSize: 300, scored: 500 };
    // Act
    const first = await state.recordBatchResult(batch);
    const second = await state.recordBatchResult(batch);
    // Assess
    expect([first.counted, second.counted]).toEqual([true, false]);
    expect(await state.countCompletedBatches(search.searchId, tree)).toBe(1);
    expect((await state.listBatchResults(search.searchId, tree)).results.map((b) => [b.batchId, b.matches])).toEqual([[0, batch.matches]]);
  });

  it("drops undefined members when writing, where a plain DocumentClient refuses nested ones", async () => {
    const client = createDynamoDocumentClient({ client: base });
    const item = { pk: "test#undefined", sk: "test", kept: "yes", dropped: undefined, nested: { kept: 1, dropped: undefined }, list: [1, undefined] };
    // Act
    await client.send(new PutCommand({ TableName: TABLE, Item: item }));
    // Assess
    const { Item } = await client.send(new GetCommand({ TableName: TABLE, Key: { pk: "test#undefined", sk: "test" } }));
    expect(Item).toEqual({ pk: "test#undefined", sk: "test", kept: "yes", nested: { kept: 1 }, list: [1] });
    const plain = DynamoDBDocumentClient.from(base);
    await expect(plain.send(new PutCommand({ TableName: TABLE, Item: item }))).rejects.toThrow(/removeUndefinedValues/);
  });

  it("configures a default DynamoDBClient when none is given", async () => {
    const client = createDynamoDocumentClient();
    try {
      expect(client.config.translateConfig?.marshallOptions?.removeUndefinedValues).toBe(true);
    } finally {
      client.destroy();
    }
  });
});
