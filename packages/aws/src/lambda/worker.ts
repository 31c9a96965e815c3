import { inProcessBatchScorer, worker } from "@cds/functions";
import { librariesFromEnv, uploadsFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { telemetryMetrics } from "@cds/core/ports";
import { observed } from "./observability.ts";
import { once } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

// One scorer per container: a warm container keeps the search's prepared mask and its shard read
// buffer for the next batch, which is most of the saving of a warm start.
const scorer = once(() => inProcessBatchScorer({ uploads: uploadsFromEnv(), libraries: librariesFromEnv() }));

/** Invoked asynchronously by a leaf dispatch node: scores one batch, records it, starts the next wave when it completes its leaf. */
export const handler = observed("worker", (payload: unknown): Promise<void> =>
  worker(payload, { state: stateFromEnv(), bus: busFromEnv(), invoker: invokerFromEnv(), scorer: scorer() }), { succeeded: telemetryMetrics.batchesScored });
