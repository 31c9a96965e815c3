import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Invoker } from "@cds/core/ports";
import { functionNames } from "@cds/functions";
import { LambdaInvoker } from "../lambda-invoker.ts";
import { withRetryMetrics } from "../sdk-retry-metrics.ts";
import { lambdaRetryMetrics, telemetryFromEnv } from "./observability.ts";
import { once, setting } from "./settings.ts";

/** Invokes the dispatch tree's functions by their deployed names (`CDS_DISPATCH_NODE_FUNCTION`, `CDS_WORKER_FUNCTION`). */
export const invokerFromEnv: () => Invoker = once(
  () =>
    new LambdaInvoker({
      client: withRetryMetrics(new LambdaClient({}), telemetryFromEnv(), lambdaRetryMetrics),
      functionNames: { [functionNames.dispatchNode]: setting("CDS_DISPATCH_NODE_FUNCTION"), [functionNames.worker]: setting("CDS_WORKER_FUNCTION") },
    }),
);
