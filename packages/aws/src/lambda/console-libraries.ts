import { json, ownerOf, refused, type HttpApiEvent, type HttpResult } from "../console/http.ts";
import { listLibraries } from "../console/libraries.ts";
import { topLevelFolders } from "../console/s3-folders.ts";
import { createS3Client } from "../s3-client.ts";
import { librariesFromEnv } from "./buckets-from-env.ts";
import { observed } from "./observability.ts";
import { once, setting } from "./settings.ts";

const s3 = once(() => createS3Client());

/** `GET /api/libraries` → the library bucket's libraries with their size and image size. */
export const handler = observed("console-libraries", async (event: HttpApiEvent): Promise<HttpResult> => {
  if (!ownerOf(event)) return refused(401, "sign in first");
  return json(200, { libraries: await listLibraries(topLevelFolders(s3(), setting("CDS_LIBRARY_BUCKET")), librariesFromEnv()) });
});
