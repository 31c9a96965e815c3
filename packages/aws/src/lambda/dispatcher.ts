import { dispatcher } from "@cds/functions";
import { invokerFromEnv } from "./invoker-from-env.ts";
import { observed } from "./observability.ts";

/** Invoked asynchronously by dispatch or a parent dispatcher: starts its children in the tree. */
export const handler = observed("dispatcher", async (payload: unknown): Promise<void> => {
  await dispatcher(payload, { invoker: invokerFromEnv() });
});
