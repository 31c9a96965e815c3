// Runs one observed handler in a fresh process, as a Lambda container would, so the test reads
// exactly what Powertools writes to stdout and stderr. argv[2]: "worker" (two invocations, the
// handler counting a throttle) or "fail" (a handler that throws).
import { telemetryMetrics } from "@cds/core/ports";
import { observed, logger, telemetryFromEnv } from "../../src/lambda/observability.ts";

const context = { functionName: "test-cdm-search-search-worker", functionVersion: "$LATEST", invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:test-cdm-search-search-worker", memoryLimitInMB: "1769", awsRequestId: "req-1" };

if (process.argv[2] === "worker") {
  const handler = observed(
    "worker",
    async (payload: unknown) => {
      logger().info("scored", { matches: 2 });
      telemetryFromEnv().count(telemetryMetrics.dynamoDbThrottles);
      return payload;
    },
    { succeeded: telemetryMetrics.batchesScored },
  );
  await handler({ batch: { batchId: 7, start: 700, end: 800 }, batchCount: 500, job: { searchId: "s-1", maskKey: "lm/secret-mask.png" } }, context);
  await handler({ batch: { batchId: 8, start: 800, end: 900 }, batchCount: 500, job: { searchId: "s-1" } }, { ...context, awsRequestId: "req-2" });
} else {
  const handler = observed("combiner", async (_event: { detail: { searchId: string } }) => {
    throw new Error("results bucket unreachable");
  });
  await handler({ detail: { searchId: "s-2" } } as never, context).catch((error: Error) => logger().warn("caught", { rethrown: error.message }));
}
