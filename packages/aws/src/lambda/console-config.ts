import { consoleConfig } from "../console/config.ts";
import { json, type HttpResult } from "../console/http.ts";
import { regionFromEnv } from "../console/signing-from-env.ts";
import { observed } from "./observability.ts";
import { setting } from "./settings.ts";

/** `GET /api/config` (no sign-in: the app learns here how to sign in) → the runtime, the live feed, the user pool. */
export const handler = observed("console-config", async (): Promise<HttpResult> =>
  json(
    200,
    consoleConfig({
      socketUrl: setting("CDS_SOCKET_URL"),
      userPoolId: setting("CDS_USER_POOL_ID"),
      clientId: setting("CDS_USER_POOL_CLIENT_ID"),
      region: regionFromEnv(),
    }),
  ),
);
