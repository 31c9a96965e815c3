import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateTableLayout } from "@cds/core/entities";
import { createDocumentClient, ensureStateTable, startDynalite, type RunningDynalite } from "@cds/local";
import { startDynamoCountingProxy, writeLoad, type DynamoCountingProxy } from "./support/dynamo-counting-proxy.ts";

// The counting proxy that bench:scale puts in front of dynalite: what it counts must be what
// DynamoDB would charge each partition key, item and GSI key, or the bench's hot-key figures mean
// nothing.

const layout = stateTableLayout({ tableName: "proxy-test" });

describe("the DynamoDB counting proxy in front of dynalite", () => {
  let dynamo: RunningDynalite;
  let proxy: DynamoCountingProxy;
  let client: DynamoDBDocumentClient;

  beforeAll(async () => {
    dynamo = await startDynalite();
    const direct = createDocumentClient({ endpoint: dynamo.endpoint, region: "us-east-1" });
    await ensureStateTable(direct, layout);
    direct.destroy();
    proxy = await startDynamoCountingProxy(dynamo.endpoint, layout.fields);
    client = createDocumentClient({ endpoint: proxy.endpoint, region: "us-east-1" });
  });

  afterAll(async () => {
    client?.destroy();
    await proxy?.close();
    await dynamo?.stop();
  });

  it("counts each write against its partition key, item and GSI key, with dynalite's units, refused writes at one unit", async () => {
    // Arrange: one item in the index, one big item outside it, in one partition
    proxy.reset();
    const TableName = layout.tableName;
    await client.send(new PutCommand({ TableName, Item: { pk: "p1", sk: "a", gsi1pk: "g1", gsi1sk: "x" } }));
    await client.send(new PutCommand({ TableName, Item: { pk: "p1", sk: "big", blob: "x".repeat(2500) } }));

    // Act: updates (one that leaves the GSI key, one that moves it), a refused put, a delete
    await client.send(new UpdateCommand({ TableName, Key: { pk: "p1", sk: "a" }, UpdateExpression: "SET n = :n", ExpressionAttributeValues: { ":n": 1 } }));
    await client.send(new UpdateCommand({ TableName, Key: { pk: "p1", sk: "a" }, UpdateExpression: "SET #g = :g", ExpressionAttributeNames: { "#g": "gsi1pk" }, ExpressionAttributeValues: { ":g": "g2" } }));
    await expect(client.send(new PutCommand({ TableName, Item: { pk: "p1", sk: "a" }, ConditionExpression: "attribute_not_exists(pk)" }))).rejects.toThrow(/conditional/i);
    await client.send(new DeleteCommand({ TableName, Key: { pk: "p1", sk: "big" } }));

    // Assert
    expect(proxy.writes.map((w) => [w.operation, w.item, w.units, w.applied, w.gsiPartition])).toEqual([
      ["PutItem", "p1|a", 1, true, "g1"],
      ["PutItem", "p1|big", 3, true, undefined],
      ["UpdateItem", "p1|a", 1, true, "g1"],
      ["UpdateItem", "p1|a", 1, true, "g2"],
      ["PutItem", "p1|a", 1, false, undefined],
      ["DeleteItem", "p1|big", 3, true, undefined],
    ]);
    const load = writeLoad(proxy.writes);
    expect(load.perPartition).toEqual({ key: "p1", requests: 6, units: 10 });
    expect(load.perItem).toEqual({ key: "p1|a", requests: 4, units: 4 });
    expect(load.perGsiPartition).toEqual({ key: "g1", requests: 2 });
    expect(load.units).toBe(10 + 3); // three writes also reached the index
  });
});
