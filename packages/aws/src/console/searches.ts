import type { SearchItem } from "@cds/core/entities";
import { withBatchProgress } from "@cds/core/pipeline";
import type { StateStore } from "@cds/core/state";
import type { ConsoleTable } from "./console-table.ts";
import { json, refused, type HttpResult } from "./http.ts";
import { ownerOfSubmission } from "./owner.ts";
import { MAX_RESULTS_PAGE_BYTES, signedResultsPage } from "./signed-results-page.ts";

/** Searches listed at most per request. */
export const MAX_LISTED_SEARCHES = 50;

/** How long a presigned results URL may be used. */
export const RESULTS_URL_SECONDS = 60 * 60;

/** A search as the console shows it (the fields `cds dev`'s console answers with, and `createdAt`). */
export interface SearchView {
  readonly searchId: string;
  readonly maskKey: string;
  readonly maskName: string;
  readonly library: string;
  readonly status: SearchItem["status"];
  readonly batchCount: number;
  readonly completedBatches: number;
  readonly targetCount: number;
  readonly createdAt: string;
  readonly submittedAt: string;
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly matchCount?: number;
  readonly partial?: boolean;
  readonly failure?: { reason: string; stage: string };
  /**
   * Once completed: presigned GETs of the results document and CSV, and the API route that
   * answers the comparison page with its images signed ({@link getResultsPage}).
   */
  readonly results?: { json: string; csv: string; page: string };
}

/** What the search routes read. */
export interface SearchRoutesDeps {
  table: Pick<ConsoleTable, "uploadsOf">;
  state: Pick<StateStore, "getSearch" | "getSearches" | "listSubmissionMasks" | "countCompletedBatches">;
  /** Signs a GET of a results bucket key. */
  presignGet: (key: string) => URL;
  /** Reads a results bucket object as text, refusing one over `maxBytes`; undefined if missing. */
  readResults: (key: string, maxBytes: number) => Promise<string | undefined>;
}

/**
 * `GET /api/searches?limit=N`: the signed-in user's searches, newest first. The user's uploads
 * come from the console table; each upload's submission mask names its search once intake has
 * made it (an upload not yet taken in by intake is not listed: it has no search yet).
 *
 * @example
 * await listSearches(sub, "20", deps) // 200 { searches: [...] }
 */
export async function listSearches(owner: string, limit: string | undefined, deps: SearchRoutesDeps): Promise<HttpResult> {
  const count = limit === undefined ? 20 : Number(limit);
  if (!Number.isInteger(count) || count < 1 || count > MAX_LISTED_SEARCHES) return refused(400, `limit must be a whole number from 1 to ${MAX_LISTED_SEARCHES}`, "limit");
  const uploads = await deps.table.uploadsOf(owner, count);
  const searchIds = await Promise.all(
    uploads.map(async (upload) => (await deps.state.listSubmissionMasks(upload.submissionId)).find((mask) => mask.maskId === upload.maskId)?.searchId),
  );
  const found = new Map((await deps.state.getSearches(searchIds.filter((id): id is string => id !== undefined))).map((search) => [search.searchId, search]));
  const owned = searchIds.flatMap((id) => {
    const search = id === undefined ? undefined : found.get(id);
    return search && ownerOfSubmission(search.submissionId) === owner ? [search] : [];
  });
  // A running search's batches are counted in its completion groups, not on the search item.
  const searches = (await withBatchProgress(deps.state, owned)).map((search) => viewOf(search, deps.presignGet));
  return json(200, { searches });
}

/**
 * `GET /api/searches/{id}`: one of the user's searches, with presigned links to its results
 * document and page once it completed (as in the list). Another user's search is a 404, as a
 * missing one is.
 *
 * @example
 * await getSearch(sub, "5b0c…", deps) // 200 { searchId, status, …, results?: { json, page } }
 */
export async function getSearch(owner: string, searchId: string | undefined, deps: SearchRoutesDeps): Promise<HttpResult> {
  const search = searchId && /^[A-Za-z0-9._-]{1,128}$/.test(searchId) ? await deps.state.getSearch(searchId) : undefined;
  if (!search || ownerOfSubmission(search.submissionId) !== owner) return refused(404, `you have no search ${JSON.stringify(searchId ?? "")}`);
  const [withProgress] = await withBatchProgress(deps.state, [search]);
  return json(200, viewOf(withProgress, deps.presignGet));
}

/**
 * `GET /api/searches/{id}/page`: the comparison page of one of the user's completed searches,
 * as `{ title, html }`, with its images and downloads presigned ({@link signedResultsPage}); the
 * console shows it in a sandboxed frame of its own.
 *
 * @example
 * await getResultsPage(sub, "5b0c…", deps) // 200 { title: "Matches for …", html: "<!doctype html>…" }
 */
export async function getResultsPage(owner: string, searchId: string | undefined, deps: SearchRoutesDeps): Promise<HttpResult> {
  const search = searchId && /^[A-Za-z0-9._-]{1,128}$/.test(searchId) ? await deps.state.getSearch(searchId) : undefined;
  if (!search || ownerOfSubmission(search.submissionId) !== owner) return refused(404, `you have no search ${JSON.stringify(searchId ?? "")}`);
  if (search.status !== "completed") return refused(409, `search ${search.searchId} is ${search.status}: its page is written when it completes`);
  const pageKey = pageKeyOf(search);
  const html = await deps.readResults(pageKey, MAX_RESULTS_PAGE_BYTES);
  if (html === undefined) return refused(404, `search ${search.searchId} has no results page`);
  const title = unescapeHtml(/<title>([^<]*)<\/title>/.exec(html)?.[1] ?? `Results of ${search.searchId}`);
  return json(200, { title, html: signedResultsPage(html, pageKey, deps.presignGet) });
}

function unescapeHtml(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'", "#x27": "'" };
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, name: string) => named[name]);
}

function pageKeyOf(search: SearchItem): string {
  return (search.resultsKey ?? `${search.searchId}.json`).replace(/\.json$/, ".html");
}

function viewOf(search: SearchItem, presignGet: (key: string) => URL): SearchView {
  const resultsKey = search.resultsKey ?? `${search.searchId}.json`;
  return {
    searchId: search.searchId,
    maskKey: search.maskKey,
    maskName: search.maskKey.split("/").pop() ?? search.maskKey,
    library: search.library,
    status: search.status,
    batchCount: search.batchCount,
    completedBatches: search.completedBatches,
    targetCount: search.targetCount,
    createdAt: search.submittedAt,
    submittedAt: search.submittedAt,
    ...(search.startedAt ? { startedAt: search.startedAt } : {}),
    ...(search.completedAt ? { completedAt: search.completedAt } : {}),
    ...(search.matchCount === undefined ? {} : { matchCount: search.matchCount }),
    ...(search.partial ? { partial: search.partial } : {}),
    ...(search.failure ? { failure: { reason: search.failure.reason, stage: search.failure.stage } } : {}),
    ...(search.status === "completed"
      ? {
          results: {
            json: presignGet(resultsKey).toString(),
            csv: presignGet(resultsKey.replace(/\.json$/, ".csv")).toString(),
            page: `/api/searches/${encodeURIComponent(search.searchId)}/page`,
          },
        }
      : {}),
  };
}
