import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/**
 * Adaptive retries: the client rate-limits itself when DynamoDB throttles (a token bucket fed by
 * the throttling it sees) instead of retrying at full speed, and tries 5 times before the state
 * store's own jittered in-process retries (core `retryThrottled`) take over.
 */
export const DYNAMODB_CLIENT_CONFIG = { retryMode: "adaptive", maxAttempts: 5 } as const;

export interface DynamoDocumentClientOptions {
  /** The low-level client to wrap (default: `new DynamoDBClient({})`, configured from the environment). */
  client?: DynamoDBClient;
}

/**
 * The DynamoDB DocumentClient the state store runs on. Undefined members are dropped
 * when marshalling: optional fields are often present as `undefined`, and without the
 * option the marshaller refuses any inside a map, list or set (it only skips top-level
 * ones). The local runtime's client (`@cds/local`) is configured the same way.
 *
 * @example
 * const state = createStateStore({ client: createDynamoDocumentClient(), table: { tableName: process.env.CDS_STATE_TABLE! } });
 */
export function createDynamoDocumentClient(options: DynamoDocumentClientOptions = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(options.client ?? new DynamoDBClient(DYNAMODB_CLIENT_CONFIG), { marshallOptions: { removeUndefinedValues: true } });
}
