import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import type { Telemetry } from "@cds/core/ports";
import { createDynamoDocumentClient } from "../src/dynamodb-document-client.ts";
import { isThrottle, withRetryMetrics } from "../src/sdk-retry-metrics.ts";
import { awsError, isAwsError, jsonErrorResponse, localClientConfig, startLocalEndpoint, type AwsErrorReply, type LocalEndpoint } from "@cds/testing/aws/local-endpoint";

const NAMES = { throttles: "DynamoDBThrottles", retries: "DynamoDBRetries" };
let endpoint: LocalEndpoint | undefined;
let client: DynamoDBClient | undefined;

afterEach(async () => {
  client?.destroy();
  await endpoint?.close();
  client = endpoint = undefined;
});

/** Telemetry that keeps what it is told, summed by name. */
function recording(): Telemetry & { counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return { counts, count: (name, n = 1) => void (counts[name] = (counts[name] ?? 0) + n), duration() {} };
}

/**
 * A local endpoint speaking DynamoDB's JSON protocol (AWS itself is not here): it answers the
 * requests in turn with the given replies (an error, or a GetItem result), the last one repeated.
 */
async function dynamoAnswering(...replies: (AwsErrorReply | Record<string, unknown>)[]): Promise<{ client: DynamoDBClient; requests: () => number }> {
  let served = 0;
  endpoint = await startLocalEndpoint(() => {
    const reply = replies[Math.min(served++, replies.length - 1)];
    if (isAwsError(reply)) return jsonErrorResponse(reply, "application/x-amz-json-1.0");
    return { status: 200, headers: { "content-type": "application/x-amz-json-1.0" }, body: JSON.stringify(reply) };
  });
  client = new DynamoDBClient({ ...localClientConfig(endpoint.endpoint, 3) });
  return { client, requests: () => served };
}

const throttled = awsError(400, "ProvisionedThroughputExceededException", "The level of configured provisioned throughput for the table was exceeded");
const key = { TableName: "state", Key: { pk: { S: "search#s-1" }, sk: { S: "search" } } };

describe("withRetryMetrics on a DynamoDB client, against a local endpoint standing in for DynamoDB", () => {
  it("counts each throttled attempt and each retry of a call that then succeeds", async () => {
    const { client, requests } = await dynamoAnswering(throttled, throttled, { Item: { pk: { S: "search#s-1" } } });
    const telemetry = recording();
    withRetryMetrics(client, telemetry, NAMES);
    // Act
    const result = await client.send(new GetItemCommand(key));
    // Assess
    expect(result.Item).toEqual({ pk: { S: "search#s-1" } });
    expect(requests()).toBe(3);
    expect(telemetry.counts).toEqual({ DynamoDBThrottles: 2, DynamoDBRetries: 2 });
  });

  it("counts the attempts of a call that runs out of them, and passes its error on unchanged", async () => {
    const { client } = await dynamoAnswering(throttled);
    const telemetry = recording();
    withRetryMetrics(client, telemetry, NAMES);
    // Act
    const attempt = client.send(new GetItemCommand(key));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "ProvisionedThroughputExceededException" });
    expect(telemetry.counts).toEqual({ DynamoDBThrottles: 3, DynamoDBRetries: 2 });
  });

  it("counts nothing for a call answered at once, nor a throttle for an error that is not one", async () => {
    const { client } = await dynamoAnswering({ Item: { pk: { S: "a" } } }, awsError(400, "ValidationException", "bad key"));
    const telemetry = recording();
    withRetryMetrics(client, telemetry, NAMES);
    // Act
    await client.send(new GetItemCommand(key));
    await expect(client.send(new GetItemCommand(key))).rejects.toMatchObject({ name: "ValidationException" });
    // Assess
    expect(telemetry.counts).toEqual({});
  });

  it("watches the DocumentClient the state store uses, which shares its client's middleware", async () => {
    const { client } = await dynamoAnswering(throttled, { Item: { pk: { S: "search#s-1" } } });
    const telemetry = recording();
    const documents = withRetryMetrics(createDynamoDocumentClient({ client }), telemetry, NAMES);
    // Act
    const result = await documents.send(new GetCommand({ TableName: "state", Key: { pk: "search#s-1", sk: "search" } }));
    // Assess
    expect(result.Item).toEqual({ pk: "search#s-1" });
    expect(telemetry.counts).toEqual({ DynamoDBThrottles: 1, DynamoDBRetries: 1 });
  });
});

describe("isThrottle", () => {
  it("knows the services' throttling answers and nothing else", () => {
    expect(isThrottle({ name: "SlowDown", $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isThrottle({ name: "TooManyRequestsException", $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottle({ name: "Whatever", $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottle({ name: "Unknown", $retryable: { throttling: true } })).toBe(true);
    expect(isThrottle({ name: "ConditionalCheckFailedException", $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isThrottle(new Error("boom"))).toBe(false);
    expect(isThrottle(undefined)).toBe(false);
  });
});
