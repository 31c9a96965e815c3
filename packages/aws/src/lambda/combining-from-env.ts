import type { PipelineDeps } from "@cds/functions";
import { librariesFromEnv, resultsFromEnv, sourceImagesFromEnv, uploadsFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** What finishing a search reads and writes: the combiner's ports, which the sweeper also needs to finish overdue searches. */
export function combiningFromEnv(): Pick<PipelineDeps, "state" | "uploads" | "libraries" | "results" | "sourceImages" | "bus"> {
  return {
    state: stateFromEnv(),
    uploads: uploadsFromEnv(),
    libraries: librariesFromEnv(),
    results: resultsFromEnv(),
    sourceImages: sourceImagesFromEnv(),
    bus: busFromEnv(),
  };
}
