import { randomUUID } from "node:crypto";
import { ParameterError } from "../errors.ts";
import type { EntityClause } from "../entities/entity-clause.ts";
import type { SearchedLibrary, SearchEntity, SearchFailure, SearchItem, SearchStatus } from "../entities/search.ts";
import type { UploadClaimEntity } from "../entities/upload-claim.ts";
import type { SearchSpec } from "../pipeline/search-job.ts";
import { isConditionFailure } from "./condition-failure.ts";
import { IllegalStatusTransitionError, SearchNotFoundError, StateError } from "./state-errors.ts";

/** What intake knows about a new search. `searchId` and `submittedAt` default to new values. */
export type NewSearch = {
  uploadKey: string;
  /** What the search covers, for people: its library, or its libraries' names joined by ",". */
  library: string;
  /** Each library searched and the build (version) intake read it at; a search reads those to its end. */
  libraries?: SearchedLibrary[];
  maskKey: string;
  spec: SearchSpec;
  batchCount: number;
  batchSize: number;
  targetCount: number;
  searchId?: string;
  submittedAt?: string;
};

/** A search and whether this call created it (exactly one call per upload sees `true`). */
export type SearchCreation = { search: SearchItem; created: boolean };

/** One page of a listing; pass `cursor` back for the next page (null at the end). */
export type Page<T> = { items: T[]; cursor: string | null };

/** Paging of a listing. */
export type PageRequest = { limit?: number; cursor?: string | null };

/** What the combiner reports when it has written a search's results. */
export type SearchResults = { resultsKey: string; matchCount: number; completedBatches?: number; partial?: boolean; completedAt?: string };

// ---------------------------------------------------------------------------------------
// Named clauses. Each is one condition of a conditional write, named for what it guarantees.

/** The upload is not claimed yet: the first writer of a claim owns the upload's searchId. */
const uploadNotYetClaimed: EntityClause<UploadClaimEntity> = ({ uploadKey }, { notExists }) => notExists(uploadKey);

/** No search with this id yet: of racing creators of one search, exactly one writes it. */
const searchNotYetCreated: EntityClause<SearchEntity> = ({ searchId }, { notExists }) => notExists(searchId);

/** Dispatch starts a search once: only an accepted search starts running. */
const searchStillAccepted: EntityClause<SearchEntity> = ({ status }, { eq }) => eq(status, "accepted");

/** Only a running search gets results; a failed one stays failed, a completed one keeps its first results. */
const searchStillRunning: EntityClause<SearchEntity> = ({ status }, { eq }) => eq(status, "running");

/** A search that has finished (completed or failed) never changes again. */
const searchNotYetFinished: EntityClause<SearchEntity> = ({ status }, { eq }) => `(${eq(status, "accepted")} OR ${eq(status, "running")})`;

/** Which status each status change may come from. */
const SEARCH_TRANSITIONS = {
  running: ["accepted"],
  completed: ["running"],
  failed: ["accepted", "running"],
} as const satisfies Record<Exclude<SearchStatus, "accepted">, readonly SearchStatus[]>;

/**
 * The search access patterns of the state store (see `service.ts`): searches, the upload claims
 * that make intake idempotent, and status changes as conditional writes. A search item takes a
 * handful of writes in its life (created, running, finished); nothing per batch writes it.
 *
 * @example
 * const access = searchAccess(entities, () => new Date());
 * const { search, created } = await access.createSearchFromUpload(input);
 */
export function searchAccess(entities: { search: SearchEntity; uploadClaim: UploadClaimEntity }, now: () => Date) {
  const reads = searchReads(entities.search);
  return {
    ...reads,
    ...searchCreation(entities, now, reads),
    ...searchStatusChanges(entities.search, now, reads),
    ...searchEventOutbox(entities.search),
  };
}

/** Reads of searches: by id, by ids, by status. */
function searchReads(searches: SearchEntity) {
  /** What is search S? (A strongly consistent read; undefined when there is none.) */
  async function getSearch(searchId: string): Promise<SearchItem | undefined> {
    const { data } = await searches.get({ searchId }).go({ consistent: true });
    return data ?? undefined;
  }

  async function requireSearch(searchId: string): Promise<SearchItem> {
    const search = await getSearch(searchId);
    if (!search) throw new SearchNotFoundError(searchId);
    return search;
  }

  /** What are searches S1 … Sn? (Those that exist, in no particular order.) */
  async function getSearches(searchIds: readonly string[]): Promise<SearchItem[]> {
    const unique = [...new Set(searchIds)];
    if (unique.length === 0) return [];
    const { data, unprocessed } = await searches.get(unique.map((searchId) => ({ searchId }))).go({ consistent: true });
    // ElectroDB types batch-get items apart from single gets; they are the same stored items.
    const found = [...(data as SearchItem[])];
    for (const key of unprocessed) {
      const { data: one } = await searches.get({ searchId: key.searchId }).go({ consistent: true });
      if (one) found.push(one);
    }
    return found;
  }

  /** Which searches have status X, newest first (by submittedAt)? One page per call. */
  async function listSearchesByStatus(status: SearchStatus, page: PageRequest = {}): Promise<Page<SearchItem>> {
    const { data, cursor } = await searches.query.byStatus({ status }).go({ order: "desc", limit: page.limit, cursor: page.cursor ?? null });
    return { items: data, cursor };
  }

  return { getSearch, requireSearch, getSearches, listSearchesByStatus };
}
type SearchReads = ReturnType<typeof searchReads>;

/** Creating a search from an upload, once per upload (see `createSearchFromUpload`). */
function searchCreation(entities: { search: SearchEntity; uploadClaim: UploadClaimEntity }, now: () => Date, { getSearch, requireSearch }: SearchReads) {
  const { search: searches, uploadClaim: uploadClaims } = entities;

  /**
   * Create the search for upload U — once, however often U's event arrives.
   *
   * Two writes, no transaction: (1) claim the upload — an `UploadClaim` keyed by `uploadKey`,
   * written only if absent, holding the searchId; (2) write the search under the claim's
   * searchId, only if absent. A caller that loses the claim race adopts the winner's searchId and
   * still does (2). If the process dies between (1) and (2), the redelivered upload event finds
   * the claim, adopts its searchId and writes the search as the dead process would have: never a
   * second search for an upload. `created` is true for exactly one caller: it emits
   * `Search Accepted`.
   */
  async function createSearchFromUpload(input: NewSearch): Promise<SearchCreation> {
    if (!Number.isInteger(input.batchCount) || input.batchCount < 1) {
      throw new ParameterError("batchCount", `a search needs at least one batch, got ${input.batchCount}`);
    }
    const submittedAt = input.submittedAt ?? now().toISOString();
    const searchId = await claimUpload(input.uploadKey, input.searchId ?? randomUUID(), submittedAt);
    try {
      const { data } = await searches.put(searchRecord(input, searchId, submittedAt)).where(searchNotYetCreated).go();
      return { search: data, created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { search: await requireSearch(searchId), created: false };
    }
  }

  /** Claims upload U for `searchId`, or adopts the searchId of the caller that claimed it first. */
  async function claimUpload(uploadKey: string, searchId: string, claimedAt: string): Promise<string> {
    try {
      await uploadClaims.put({ uploadKey, searchId, claimedAt }).where(uploadNotYetClaimed).go({ response: "none" });
      return searchId;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { data: claim } = await uploadClaims.get({ uploadKey }).go({ consistent: true });
      if (!claim) throw new StateError(`upload ${uploadKey} was claimed, but its claim cannot be read`, { cause: error });
      return claim.searchId;
    }
  }

  /** Which search was created from upload U? Undefined when none was, or its claim's search is not written yet. */
  async function findSearchByUpload(uploadKey: string): Promise<SearchItem | undefined> {
    const { data: claim } = await uploadClaims.get({ uploadKey }).go({ consistent: true });
    return claim ? getSearch(claim.searchId) : undefined;
  }

  return { createSearchFromUpload, findSearchByUpload };
}

/** The search item intake writes for a new search. */
function searchRecord(input: NewSearch, searchId: string, submittedAt: string) {
  return {
    searchId,
    uploadKey: input.uploadKey,
    library: input.library,
    ...(input.libraries ? { libraries: input.libraries.map(({ name, build, count }) => ({ name, build, count })) } : {}),
    maskKey: input.maskKey,
    // A JSON round trip drops undefined members, which DynamoDB cannot store.
    params: JSON.parse(JSON.stringify(input.spec.params)) as SearchItem["params"],
    top: input.spec.top,
    ...(input.spec.shape ? { shape: { topLines: input.spec.shape.topLines } } : {}),
    status: "accepted" as const,
    acceptedEventPending: true,
    batchCount: input.batchCount,
    batchSize: input.batchSize,
    completedBatches: 0,
    targetCount: input.targetCount,
    submittedAt,
    notifyEmail: input.spec.notifyEmail,
    submissionId: input.spec.submission?.submissionId,
    submissionMaskId: input.spec.submission?.maskId,
  };
}

/** A search's status changes, each one conditional write from the statuses it may come from. */
function searchStatusChanges(searches: SearchEntity, now: () => Date, { getSearch }: SearchReads) {
  /** Changes a search's status with one conditional update; on refusal, reads the search to say why. */
  async function changeStatus(
    searchId: string,
    to: keyof typeof SEARCH_TRANSITIONS,
    allowedNow: EntityClause<SearchEntity>,
    changes: Partial<Pick<SearchItem, "startedAt" | "lanes" | "completedAt" | "failure" | "resultsKey" | "matchCount" | "partial" | "completedBatches" | "endEventPending">>,
  ): Promise<SearchItem> {
    try {
      const { data } = await searches.patch({ searchId }).set({ status: to, ...changes }).where(allowedNow).go({ response: "all_new" });
      return data;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await getSearch(searchId);
      if (!current) throw new SearchNotFoundError(searchId, { cause: error });
      throw new IllegalStatusTransitionError(searchId, to, SEARCH_TRANSITIONS[to], current.status, { cause: error });
    }
  }

  /** Search S was dispatched: mark it running (with its waves' lanes, if it runs in waves). Only from `accepted`. */
  async function markSearchRunning(searchId: string, startedAt: string = now().toISOString(), lanes?: number): Promise<SearchItem> {
    return changeStatus(searchId, "running", searchStillAccepted, { startedAt, ...(lanes === undefined ? {} : { lanes }) });
  }

  /** Search S has results: mark it completed with where they are. Only from `running`; `partial` flags results that lack some batches. */
  async function markSearchCompleted(searchId: string, results: SearchResults): Promise<SearchItem> {
    return changeStatus(searchId, "completed", searchStillRunning, {
      resultsKey: results.resultsKey,
      matchCount: results.matchCount,
      ...(results.completedBatches === undefined ? {} : { completedBatches: results.completedBatches }),
      partial: results.partial ?? false,
      completedAt: results.completedAt ?? now().toISOString(),
      endEventPending: true,
    });
  }

  /** Search S failed: mark it failed with a reason for people. Only from `accepted` or `running`. */
  async function markSearchFailed(searchId: string, failure: SearchFailure, completedAt: string = now().toISOString()): Promise<SearchItem> {
    return changeStatus(searchId, "failed", searchNotYetFinished, { failure: { reason: failure.reason, stage: failure.stage }, completedAt, endEventPending: true });
  }

  return { markSearchRunning, markSearchCompleted, markSearchFailed };
}

/** The outbox marks of a search's `Search Accepted` and end events, and the listings of those still to publish. */
function searchEventOutbox(searches: SearchEntity) {
  /**
   * Which ended searches have an end event not yet published and handled (`endEventPending`)?
   * Completed ones first, then failed; all pages. Read at start and in sweeps, to publish them.
   */
  async function listSearchesAwaitingEndEvent(): Promise<SearchItem[]> {
    return listMarked(["completed", "failed"], "endEventPending");
  }

  /**
   * Which searches were created but maybe never announced (`acceptedEventPending`): those still
   * waiting or running, all pages. Read by cds dev at start and in sweeps, to publish them.
   */
  async function listSearchesAwaitingAcceptedEvent(): Promise<SearchItem[]> {
    return listMarked(["accepted", "running"], "acceptedEventPending");
  }

  /** The searches of these statuses (in this order) that carry `mark`, all pages. */
  async function listMarked(statuses: readonly SearchStatus[], mark: "endEventPending" | "acceptedEventPending"): Promise<SearchItem[]> {
    const marked: SearchItem[] = [];
    for (const status of statuses) {
      const { data } = await searches.query
        .byStatus({ status })
        .where((attributes, { eq }) => eq(attributes[mark], true))
        .go({ pages: "all" });
      marked.push(...data);
    }
    return marked;
  }

  /** Search S's `Search Accepted` was published: clear the mark (a no-op when already clear or gone). */
  async function markAcceptedEventPublished(searchId: string): Promise<void> {
    try {
      await searches.patch({ searchId }).remove(["acceptedEventPending"]).go({ response: "none" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Search S's end event was published and handled: clear its outbox record (a no-op when already clear or gone). */
  async function markEndEventPublished(searchId: string): Promise<void> {
    try {
      await searches.patch({ searchId }).remove(["endEventPending"]).go({ response: "none" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // the search is gone: nothing to clear
    }
  }

  return { listSearchesAwaitingEndEvent, markEndEventPublished, listSearchesAwaitingAcceptedEvent, markAcceptedEventPublished };
}
