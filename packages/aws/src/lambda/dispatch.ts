import { dispatchSearch } from "@cds/functions";
import { librariesFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** Rule `search-accepted` → plan the batches, mark the search running, start the dispatch tree. */
export const handler = (event: unknown): Promise<void> =>
  dispatchSearch(event, { state: stateFromEnv(), libraries: librariesFromEnv(), bus: busFromEnv(), invoker: invokerFromEnv() });
