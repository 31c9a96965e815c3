import { combiner } from "@cds/functions";
import { librariesFromEnv, resultsFromEnv, sourceImagesFromEnv, uploadsFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { observed } from "./observability.ts";
import { stateFromEnv } from "./state-from-env.ts";

/**
 * Rule `search-batches-completed` (the completion rule) → write the results, emit Search Completed.
 */
export const handler = observed("combiner", (event: unknown): Promise<void> =>
  combiner(event, {
    state: stateFromEnv(),
    uploads: uploadsFromEnv(),
    libraries: librariesFromEnv(),
    results: resultsFromEnv(),
    sourceImages: sourceImagesFromEnv(),
    bus: busFromEnv(),
  }));
