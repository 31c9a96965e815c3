import { submissionTracking } from "@cds/functions";
import { resultsFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { observed } from "./observability.ts";
import { stateFromEnv } from "./state-from-env.ts";

/**
 * Rule `submission-progress` → record a finished search in its submission and, after the last
 * one, write the submission's summary and emit Submission Completed.
 */
export const handler = observed("submission-tracking", (event: unknown): Promise<void> =>
  submissionTracking(event, { state: stateFromEnv(), results: resultsFromEnv(), bus: busFromEnv() }));
