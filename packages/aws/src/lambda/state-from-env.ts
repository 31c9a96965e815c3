import { telemetryMetrics } from "@cds/core/ports";
import { createStateStore, onThrottledWrite, type StateStore } from "@cds/core/state";
import { createDynamoDocumentClient } from "../dynamodb-document-client.ts";
import { withRetryMetrics } from "../sdk-retry-metrics.ts";
import { dynamoDbRetryMetrics, telemetryFromEnv } from "./observability.ts";
import { once, setting } from "./settings.ts";

/** The state store on the stage's table (`CDS_STATE_TABLE`), one per container. */
export const stateFromEnv: () => StateStore = once(() => {
  const telemetry = telemetryFromEnv();
  // The state store's own in-process retries of throttled writes, after the SDK's (the dashboard's WriteRetries).
  onThrottledWrite(() => telemetry.count(telemetryMetrics.writeRetries));
  return createStateStore({ client: withRetryMetrics(createDynamoDocumentClient(), telemetry, dynamoDbRetryMetrics), table: { tableName: setting("CDS_STATE_TABLE") } });
});
