import { jsonBody, ownerOf, refused, type HttpApiEvent, type HttpResult } from "../console/http.ts";
import { presignObject } from "../console/signing-from-env.ts";
import { requestUpload, UPLOAD_URL_SECONDS } from "../console/uploads.ts";
import { librariesFromEnv } from "./buckets-from-env.ts";
import { consoleTableFromEnv } from "./console-from-env.ts";
import { observed } from "./observability.ts";
import { setting } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

/** `POST /api/uploads` → a presigned PUT of the mask to the uploads bucket, its parameters in the signed metadata. */
export const handler = observed("console-uploads", async (event: HttpApiEvent): Promise<HttpResult> => {
  const owner = ownerOf(event);
  if (!owner) return refused(401, "sign in first");
  const body = jsonBody(event);
  if ("refusal" in body) return body.refusal;
  return requestUpload(owner, body.value, {
    libraries: librariesFromEnv(),
    state: stateFromEnv(),
    table: consoleTableFromEnv(),
    presignPut: presignObject(setting("CDS_UPLOADS_BUCKET"), "PUT", UPLOAD_URL_SECONDS),
  });
});
