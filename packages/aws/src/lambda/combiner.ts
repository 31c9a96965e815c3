import { combiner } from "@cds/functions";
import { combiningFromEnv } from "./combining-from-env.ts";
import { observed } from "./observability.ts";

/**
 * Rule `search-batches-completed` (the completion rule) → write the results, emit Search Completed.
 */
export const handler = observed("combiner", (event: unknown): Promise<void> => combiner(event, combiningFromEnv()));
