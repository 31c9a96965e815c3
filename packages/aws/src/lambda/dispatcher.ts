import { dispatcher } from "@cds/functions";
import { librariesFromEnv } from "./buckets-from-env.ts";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { observed } from "./observability.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** Invoked asynchronously by dispatch, a parent dispatcher, a worker (the next wave) or the sweeper: starts its children in the tree. */
export const handler = observed("dispatcher", async (payload: unknown): Promise<void> => {
  await dispatcher(payload, { invoker: invokerFromEnv(), libraries: librariesFromEnv(), state: stateFromEnv() });
});
