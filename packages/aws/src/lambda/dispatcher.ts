import { dispatcher } from "@cds/functions";
import { invokerFromEnv } from "./invoker-from-env.ts";

/** Invoked asynchronously by dispatch or a parent dispatcher: starts its children in the tree. */
export const handler = async (payload: unknown): Promise<void> => {
  await dispatcher(payload, { invoker: invokerFromEnv() });
};
