import { UPLOAD_FORM_FIELDS, uploadFormDefaults } from "@cds/core/pipeline";
import { consoleConfig } from "../console/config.ts";
import { json, jsonBody, ownerOf, refused, type HttpApiEvent, type HttpResult } from "../console/http.ts";
import { regionFromEnv } from "../console/signing-from-env.ts";
import { checkUploadParameters, MAX_MASK_BYTES } from "../console/uploads.ts";
import { observed } from "./observability.ts";
import { setting } from "./settings.ts";

/** The HTTP API's route key of the request (payload 2.0). */
type RoutedEvent = HttpApiEvent & { routeKey?: string };

/**
 * What the app needs before and around the form, none of it from AWS: `GET /api/config` (no
 * sign-in: the app learns here how to sign in), `GET /api/params` (the parameter form and its
 * defaults) and `POST /api/params/check` (the parameters checked as intake checks them).
 */
export const handler = observed("console-config", async (event: RoutedEvent): Promise<HttpResult> => {
  if (event.routeKey === "GET /api/config" || event.routeKey === undefined) {
    const config = consoleConfig({
      socketUrl: setting("CDS_SOCKET_URL"),
      userPoolId: setting("CDS_USER_POOL_ID"),
      clientId: setting("CDS_USER_POOL_CLIENT_ID"),
      region: regionFromEnv(),
    });
    return json(200, { ...config, maxMaskBytes: MAX_MASK_BYTES });
  }
  if (!ownerOf(event)) return refused(401, "sign in first");
  if (event.routeKey === "GET /api/params") return json(200, { fields: UPLOAD_FORM_FIELDS, defaults: uploadFormDefaults() });
  if (event.routeKey === "POST /api/params/check") {
    const body = jsonBody(event);
    if ("refusal" in body) return body.refusal;
    const { params, notifyEmail } = (body.value ?? {}) as { params?: unknown; notifyEmail?: unknown };
    const checked = checkUploadParameters(params, notifyEmail);
    return "refusal" in checked ? checked.refusal : json(200, { ok: true });
  }
  return refused(404, "no such route");
});
