import { intake } from "@cds/functions";
import { librariesFromEnv, uploadsFromEnv } from "./buckets-from-env.ts";
import { busFromEnv } from "./bus-from-env.ts";
import { observed } from "./observability.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** Rule `mask-uploaded` (S3 `Object Created` on the default bus) → intake. */
export const handler = observed("intake", (event: unknown): Promise<void> =>
  intake(event, { state: stateFromEnv(), uploads: uploadsFromEnv(), libraries: librariesFromEnv(), bus: busFromEnv() }));
