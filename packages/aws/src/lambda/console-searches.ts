import { json, ownerOf, refused, type HttpApiEvent, type HttpResult } from "../console/http.ts";
import { getResultsPage, getSearch, listSearches, RESULTS_URL_SECONDS, type SearchRoutesDeps } from "../console/searches.ts";
import { presignResultsGet } from "../console/signing-from-env.ts";
import { consoleTableFromEnv } from "./console-from-env.ts";
import { boundedGet } from "../s3-bounded-get.ts";
import { createS3Client } from "../s3-client.ts";
import { observed } from "./observability.ts";
import { once, setting } from "./settings.ts";
import { stateFromEnv } from "./state-from-env.ts";

const s3 = once(() => createS3Client());

/**
 * `GET /api/searches` and `GET /api/searches/{id}` → the signed-in user's searches, completed
 * ones with presigned results links; `GET /api/searches/{id}/page` → its comparison page with
 * the images signed. `GET /api/submissions` → none: on a stage each upload of
 * the console is a one-mask submission of its own, shown as its search.
 */
export const handler = observed("console-searches", async (event: HttpApiEvent & { routeKey?: string }): Promise<HttpResult> => {
  const owner = ownerOf(event);
  if (!owner) return refused(401, "sign in first");
  if (event.routeKey === "GET /api/submissions") return json(200, { submissions: [] });
  const deps: SearchRoutesDeps = {
    table: consoleTableFromEnv(),
    state: stateFromEnv(),
    presignGet: presignResultsGet(setting("CDS_RESULTS_BUCKET"), RESULTS_URL_SECONDS),
    readResults: (key, maxBytes) => boundedGet(s3(), setting("CDS_RESULTS_BUCKET"), key, maxBytes).then((bytes) => (bytes === undefined ? undefined : new TextDecoder().decode(bytes))),
  };
  const id = event.pathParameters?.id;
  if (event.routeKey === "GET /api/searches/{id}/page") return getResultsPage(owner, id, deps);
  return id === undefined ? listSearches(owner, event.queryStringParameters?.limit, deps) : getSearch(owner, id, deps);
});
