import { dispatchNode } from "@cds/functions";
import { librariesFromEnv } from "./buckets-from-env.ts";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { observed } from "./observability.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** Invoked asynchronously by admission, a parent node, a worker (the next wave) or the sweeper: starts this node's children in the tree. */
export const handler = observed("dispatch-node", async (payload: unknown): Promise<void> => {
  await dispatchNode(payload, { invoker: invokerFromEnv(), libraries: librariesFromEnv(), state: stateFromEnv() });
});
