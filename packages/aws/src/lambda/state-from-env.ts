import { createStateStore, type StateStore } from "@cds/core";
import { createDynamoDocumentClient } from "../dynamodb-document-client.ts";
import { withRetryMetrics } from "../sdk-retry-metrics.ts";
import { dynamoDbRetryMetrics, telemetryFromEnv } from "./observability.ts";
import { once, setting } from "./settings.ts";

/** The state store on the stage's table (`CDS_STATE_TABLE`), one per container. */
export const stateFromEnv: () => StateStore = once(() =>
  createStateStore({ client: withRetryMetrics(createDynamoDocumentClient(), telemetryFromEnv(), dynamoDbRetryMetrics), table: { tableName: setting("CDS_STATE_TABLE") } }),
);
