import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Options of {@link createDocumentClient}. */
export type LocalDocumentClientOptions = {
  /** dynalite's endpoint, e.g. from `startDynalite`. */
  endpoint: string;
  /** Any region name; dynalite ignores it. */
  region?: string;
};

/**
 * A DynamoDB DocumentClient for a local endpoint (dynalite), with fixed dummy credentials
 * so nothing reads the environment, and undefined members dropped when marshalling.
 * Call `destroy()` when done to close its sockets.
 *
 * @example
 * const client = createDocumentClient({ endpoint: dynamo.endpoint });
 * const state = createStateStore({ client });
 */
export function createDocumentClient(options: LocalDocumentClientOptions): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    endpoint: options.endpoint,
    region: options.region ?? "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    // As on AWS (`@cds/aws` createDynamoDocumentClient): back off adaptively when throttled.
    retryMode: "adaptive",
    maxAttempts: 5,
  });
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } });
}
