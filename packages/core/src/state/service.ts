/**
 * The state service: every entity in one ElectroDB service over one table, and every
 * access pattern as one named function. The DynamoDB DocumentClient is passed in (an
 * adapter builds it: dynalite locally, DynamoDB in the cloud); nothing here creates one.
 *
 * Access patterns, each answered by the function named after it:
 *
 * Searches
 * - What is search S?                                          getSearch
 * - Create the search for upload U — once, however often U's event arrives
 *                                                              createSearchFromUpload
 * - Which search was created from upload U?                    findSearchByUpload
 * - Which searches have status X, newest first?                listSearchesByStatus
 * - Search S was dispatched: mark it running (only from accepted)       markSearchRunning
 * - Search S has results: mark it completed (only from running)         markSearchCompleted
 * - Search S failed: mark it failed (only from accepted or running)     markSearchFailed
 *
 * Batches
 * - Batch B of search S finished: store it and count it — once, however often it is
 *   retried — and was it the last one?                        recordBatchResult
 * - Which results have search S's batches produced?            listBatchResults
 * - Which of search S's batches have no result yet?            listMissingBatches
 * - Does search S's counter agree with its stored batches? Repair it if not.
 *                                                              reconcileCompletedBatches
 *
 * Webhooks
 * - Add / get / remove subscription W                          createSubscription, getSubscription, removeSubscription
 * - Which subscriptions exist?                                 listSubscriptions
 * - Which active subscriptions want event type E?              listSubscriptionsForEvent
 * - Delivery D made attempt n with this outcome                recordDeliveryAttempt
 * - Which attempts did delivery D make?                        listDeliveryAttempts
 * - Which deliveries did subscription W get, newest first?     listDeliveriesOfSubscription
 * - Give W a new secret, the old one valid for a grace period  rotateSubscriptionSecret
 *                                                              (state/subscription-secret-access.ts)
 *
 * Libraries
 * - Library L was indexed / what is library L / which libraries exist?
 *                                                              putLibrary, getLibrary, listLibraries
 *
 * Admission (state/admission-access.ts)
 * - Which searches hold a running slot?                        listSlotHolders
 * - Give search S a running slot if one of K is free (and S holds none)
 *                                                              acquireRunningSlot
 * - Search S no longer runs: free its slot                     releaseRunningSlot
 * - Which searches wait for a slot, oldest first?              listWaitingSearches
 *
 * Submissions (state/submission-access.ts)
 * - Record submission X — once, however often the command runs recordSubmission
 * - List mask M in submission X — once                         recordSubmissionMask
 * - What is submission X? Which masks does it have?            getSubmission, listSubmissionMasks
 * - Search S was made of mask M of X: link them (first wins)   linkSubmissionSearch
 * - Mask M's search ended: record its outcome, once            recordMaskOutcome
 * - Submission X is done: mark it completed, once              markSubmissionCompleted
 * - Which submissions are open (or completed), oldest first?   listSubmissionsByStatus
 * - What are searches S1 … Sn?                                 getSearches
 *
 * No write here uses a transaction (dynalite has none): every guarantee comes from a
 * single-item conditional write, built from the named clauses below.
 */
import { randomUUID } from "node:crypto";
import { Service } from "electrodb";
import type { DocumentClient } from "electrodb";
import { ParameterError } from "../errors.ts";
import { batchResultEntity } from "../entities/batch-result.ts";
import type { BatchResultEntity, BatchResultItem } from "../entities/batch-result.ts";
import { deliveryEntity } from "../entities/delivery.ts";
import type { DeliveryEntity, DeliveryItem, DeliveryStatus } from "../entities/delivery.ts";
import type { EntityClause } from "../entities/entity-clause.ts";
import { admissionGateEntity } from "../entities/admission-gate.ts";
import { libraryEntity } from "../entities/library.ts";
import type { LibraryItem } from "../entities/library.ts";
import { searchEntity } from "../entities/search.ts";
import type { SearchEntity, SearchFailure, SearchItem, SearchStatus, StoredSearchParameters } from "../entities/search.ts";
import { stateTableLayout } from "../entities/state-table.ts";
import type { StateTableLayout, StateTableLayoutOverrides } from "../entities/state-table.ts";
import { submissionEntity } from "../entities/submission.ts";
import { submissionMaskEntity } from "../entities/submission-mask.ts";
import { subscriptionEntity } from "../entities/subscription.ts";
import type { SubscriptionItem } from "../entities/subscription.ts";
import { uploadClaimEntity } from "../entities/upload-claim.ts";
import type { UploadClaimEntity } from "../entities/upload-claim.ts";
import { admissionAccess } from "./admission-access.ts";
import { isConditionFailure } from "./condition-failure.ts";
import { decodeMatches, encodeMatches, MATCHES_MAX_STORED_BYTES } from "./matches-codec.ts";
import { submissionAccess } from "./submission-access.ts";
import { subscriptionSecretAccess } from "./subscription-secret-access.ts";
import { BatchResultRejectedError, IllegalStatusTransitionError, SearchNotFoundError, StateError } from "./state-errors.ts";

/** How long batch results live after they are written, unless told otherwise: 30 days. */
export const DEFAULT_BATCH_RESULT_TTL_SECONDS = 30 * 24 * 3600;

/** Most rounds a recount retries when other writers keep moving the counter under it. */
const RECOUNT_ROUNDS = 50;

/**
 * Builds the one ElectroDB service that holds every state entity, bound to a client
 * and a table layout.
 *
 * @example
 * const db = stateService(documentClient, stateTableLayout());
 * await db.entities.search.get({ searchId }).go();
 */
export function stateService(client: DocumentClient, layout: StateTableLayout) {
  return new Service(
    {
      search: searchEntity(layout),
      uploadClaim: uploadClaimEntity(layout),
      batchResult: batchResultEntity(layout),
      subscription: subscriptionEntity(layout),
      delivery: deliveryEntity(layout),
      library: libraryEntity(layout),
      submission: submissionEntity(layout),
      submissionMask: submissionMaskEntity(layout),
      admissionGate: admissionGateEntity(layout),
    },
    { client, table: layout.tableName },
  );
}

// ---------------------------------------------------------------------------------------
// Named clauses. Each is one condition of a conditional write, named for what it
// guarantees; the comment says why the write needs it.

/** The upload is not claimed yet: the first writer of a claim owns the upload's searchId. */
const uploadNotYetClaimed: EntityClause<UploadClaimEntity> = ({ uploadKey }, { notExists }) => notExists(uploadKey);

/** No search with this id yet: of racing creators of one search, exactly one writes it. */
const searchNotYetCreated: EntityClause<SearchEntity> = ({ searchId }, { notExists }) => notExists(searchId);

/** Dispatch starts a search once: only an accepted search starts running. */
const searchStillAccepted: EntityClause<SearchEntity> = ({ status }, { eq }) => eq(status, "accepted");

/** Only a running search gets results; a failed one stays failed, a completed one keeps its first results. */
const searchStillRunning: EntityClause<SearchEntity> = ({ status }, { eq }) => eq(status, "running");

/**
 * A search that has finished (completed or failed) never changes again; and while it
 * has not, batches still count — a batch arriving after a partial completion is stored
 * but not counted, so it cannot announce completion a second time.
 */
const searchNotYetFinished: EntityClause<SearchEntity> = ({ status }, { eq }) =>
  `(${eq(status, "accepted")} OR ${eq(status, "running")})`;

/**
 * A batch is stored once: the retried or duplicated worker's put is refused, so only the
 * first put goes on to increment the counter — a batch never counts twice.
 */
const batchNotYetRecorded: EntityClause<BatchResultEntity> = ({ batchId }, { notExists }) => notExists(batchId);

/**
 * Workers add 1 only while no recount has set the counter. A recount counts stored
 * batches, including one whose worker has stored it and is about to add 1; if that add
 * still went through, the batch would count twice. After a recount, workers count by
 * recount too (see countStoredBatch).
 */
const counterNotReconciled: EntityClause<SearchEntity> = ({ reconciledAt }, { notExists }) => notExists(reconciledAt);

/**
 * A recount writes the number it counted only if the counter still holds the value it
 * read: a concurrent add or recount in between makes it read and count again, so the
 * counter only ever moves up through values that were true when written.
 */
function counterUnchangedSinceRead(observed: number): EntityClause<SearchEntity> {
  return ({ completedBatches }, { eq }) => eq(completedBatches, observed);
}

/**
 * An attempt is written once with its outcome; a `pending` record may be replaced by the
 * outcome, but a settled one is never overwritten by a duplicated or late message.
 */
const attemptNotYetSettled: EntityClause<DeliveryEntity> = ({ deliveryId, status }, { notExists, eq }) =>
  `(${notExists(deliveryId)} OR ${eq(status, "pending")})`;

/** Which status each status change may come from. */
const SEARCH_TRANSITIONS = {
  running: ["accepted"],
  completed: ["running"],
  failed: ["accepted", "running"],
} as const satisfies Record<Exclude<SearchStatus, "accepted">, readonly SearchStatus[]>;

// ---------------------------------------------------------------------------------------
// Inputs and outputs

/** Options of {@link createStateStore}. */
export type StateStoreOptions = {
  /** A DynamoDB DocumentClient (AWS SDK v3 `DynamoDBDocumentClient`), built by an adapter. */
  client: DocumentClient;
  /** Table name and key attribute names; defaults per `defaultStateTableLayout`. */
  table?: StateTableLayoutOverrides;
  /** Lifetime of batch results, seconds after they are written (DynamoDB TTL). */
  batchResultTtlSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
};

/** What intake knows about a new search. `searchId` and `submittedAt` default to new values. */
export type NewSearch = {
  uploadKey: string;
  library: string;
  maskKey: string;
  parameters: StoredSearchParameters;
  batchCount: number;
  batchSize: number;
  targetCount: number;
  notifyEmail?: string;
  /** The submission the mask came in, and the mask's id in it (from the upload's sidecar). */
  submission?: { submissionId: string; maskId: string };
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
export type SearchResults = { resultsKey: string; matchCount: number; partial?: boolean; completedAt?: string };

/** One worker's output for one batch. */
export type NewBatchResult = {
  searchId: string;
  batchId: number;
  /** JSON-serialisable matches (stored as text; compressed above 100 KB). */
  matches: readonly unknown[];
  /** How many targets the batch scored. */
  scored: number;
  completedAt?: string;
};

/** A stored batch result with its matches decoded. */
export type BatchResult<M = unknown> = Omit<BatchResultItem, "matches" | "matchesEncoding"> & { matches: M[] };

/** What recording one batch did. */
export type BatchRecording = {
  /** False when the batch was already stored (a retry or a duplicate): nothing was written. */
  recorded: boolean;
  /** Whether this call moved the search's counter. */
  counted: boolean;
  /** The counter after this call (as read back when this call did not move it). */
  completedBatches: number;
  batchCount: number;
  /**
   * True for exactly one call per search: the one whose count reached `batchCount`.
   * That caller emits `Search Batches Completed`.
   */
  reachedBatchCount: boolean;
};

/** What a reconciliation found and did. */
export type Reconciliation = {
  /** Stored batch results, counted now. */
  recordedBatches: number;
  /** The counter afterwards. */
  completedBatches: number;
  batchCount: number;
  /** Batches with no stored result. */
  missingBatches: number[];
  /** Whether this call raised the counter. */
  repaired: boolean;
  /** True when this call's repair made the counter reach `batchCount`: emit `Search Batches Completed`. */
  reachedBatchCount: boolean;
};

/** A new webhook subscription. `subscriptionId` and `createdAt` default to new values. */
export type NewSubscription = {
  url: string;
  events: string[];
  secret: string;
  active?: boolean;
  /** Deliver to loopback / private / link-local hosts too (default: public hosts only). */
  allowPrivate?: boolean;
  subscriptionId?: string;
  createdAt?: string;
};

/** One delivery attempt's outcome. `deliveryId` defaults to `<subscriptionId>/<eventId>`. */
export type DeliveryAttempt = {
  subscriptionId: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: DeliveryStatus;
  statusCode?: number;
  latencyMs?: number;
  error?: string;
  attemptedAt?: string;
  deliveryId?: string;
};

/** A library's record as the indexer writes it. */
export type NewLibrary = Omit<LibraryItem, "indexedAt"> & { indexedAt?: string };

// ---------------------------------------------------------------------------------------

/**
 * The state store: every access pattern of the pipeline's state as one named function,
 * over one table through the DocumentClient given.
 *
 * @example
 * const state = createStateStore({ client: documentClient, table: { tableName: "cds-state" } });
 * const { search, created } = await state.createSearchFromUpload({ uploadKey, library, maskKey, parameters, batchCount, batchSize, targetCount });
 * if (created) await bus.publish("Search Accepted", { searchId: search.searchId });
 */
export function createStateStore(options: StateStoreOptions) {
  const layout = stateTableLayout(options.table);
  const db = stateService(options.client, layout);
  const { search: searches, uploadClaim: uploadClaims, batchResult: batchResults, subscription: subscriptions, delivery: deliveries, library: libraries } = db.entities;
  const now = options.now ?? (() => new Date());
  const ttlSeconds = options.batchResultTtlSeconds ?? DEFAULT_BATCH_RESULT_TTL_SECONDS;

  // --- Searches -------------------------------------------------------------------------

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

  /**
   * Create the search for upload U — once, however often U's event arrives.
   *
   * Two writes, no transaction: (1) claim the upload — an `UploadClaim` keyed by
   * `uploadKey`, written only if absent (`uploadNotYetClaimed`), holding the searchId;
   * (2) write the search under the claim's searchId, only if absent (`searchNotYetCreated`).
   * A caller that loses the claim race adopts the winner's searchId and still does (2).
   *
   * Why this is safe if the process dies between (1) and (2): the claim then names a
   * search that does not exist, and the upload event — unhandled, so redelivered — comes
   * back. Its handler finds the claim, adopts its searchId and writes the search from the
   * same event, as the dead process would have. There is never a second search for the
   * upload, because every writer uses the claim's one searchId and the search write is
   * itself conditional. Until then `findSearchByUpload` answers undefined.
   *
   * `created` is true for exactly one caller (the one whose search write succeeded): that
   * caller emits `Search Accepted`.
   */
  async function createSearchFromUpload(input: NewSearch): Promise<SearchCreation> {
    if (!Number.isInteger(input.batchCount) || input.batchCount < 1) {
      throw new ParameterError("batchCount", `a search needs at least one batch, got ${input.batchCount}`);
    }
    const submittedAt = input.submittedAt ?? now().toISOString();
    let searchId = input.searchId ?? randomUUID();
    try {
      await uploadClaims.put({ uploadKey: input.uploadKey, searchId, claimedAt: submittedAt }).where(uploadNotYetClaimed).go({ response: "none" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { data: claim } = await uploadClaims.get({ uploadKey: input.uploadKey }).go({ consistent: true });
      if (!claim) throw new StateError(`upload ${input.uploadKey} was claimed, but its claim cannot be read`, { cause: error });
      searchId = claim.searchId;
    }
    try {
      const { data } = await searches
        .put({
          searchId,
          uploadKey: input.uploadKey,
          library: input.library,
          maskKey: input.maskKey,
          // A JSON round trip drops undefined members, which DynamoDB cannot store.
          parameters: JSON.parse(JSON.stringify(input.parameters)) as StoredSearchParameters,
          status: "accepted",
          batchCount: input.batchCount,
          batchSize: input.batchSize,
          completedBatches: 0,
          targetCount: input.targetCount,
          submittedAt,
          notifyEmail: input.notifyEmail,
          submissionId: input.submission?.submissionId,
          submissionMaskId: input.submission?.maskId,
        })
        .where(searchNotYetCreated)
        .go();
      return { search: data, created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { search: await requireSearch(searchId), created: false };
    }
  }

  /**
   * Which search was created from upload U? Undefined when none was, or when the claim
   * exists but its search is not written yet (see createSearchFromUpload).
   */
  async function findSearchByUpload(uploadKey: string): Promise<SearchItem | undefined> {
    const { data: claim } = await uploadClaims.get({ uploadKey }).go({ consistent: true });
    return claim ? getSearch(claim.searchId) : undefined;
  }

  /** Which searches have status X, newest first (by submittedAt)? One page per call. */
  async function listSearchesByStatus(status: SearchStatus, page: PageRequest = {}): Promise<Page<SearchItem>> {
    const { data, cursor } = await searches.query.byStatus({ status }).go({ order: "desc", limit: page.limit, cursor: page.cursor ?? null });
    return { items: data, cursor };
  }

  /**
   * Changes a search's status with one conditional update; on refusal, reads the search to
   * say why (missing, or in a status the change may not come from).
   */
  async function changeStatus(
    searchId: string,
    to: keyof typeof SEARCH_TRANSITIONS,
    allowedNow: EntityClause<SearchEntity>,
    changes: Partial<Pick<SearchItem, "startedAt" | "completedAt" | "failure" | "resultsKey" | "matchCount" | "partial">>,
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

  /** Search S was dispatched: mark it running. Only from `accepted` (`searchStillAccepted`). */
  async function markSearchRunning(searchId: string, startedAt: string = now().toISOString()): Promise<SearchItem> {
    return changeStatus(searchId, "running", searchStillAccepted, { startedAt });
  }

  /**
   * Search S has results: mark it completed with where they are. Only from `running`
   * (`searchStillRunning`); `partial` flags results that lack some batches.
   */
  async function markSearchCompleted(searchId: string, results: SearchResults): Promise<SearchItem> {
    return changeStatus(searchId, "completed", searchStillRunning, {
      resultsKey: results.resultsKey,
      matchCount: results.matchCount,
      partial: results.partial ?? false,
      completedAt: results.completedAt ?? now().toISOString(),
    });
  }

  /** Search S failed: mark it failed with a reason for people. Only from `accepted` or `running` (`searchNotYetFinished`). */
  async function markSearchFailed(searchId: string, failure: SearchFailure, completedAt: string = now().toISOString()): Promise<SearchItem> {
    return changeStatus(searchId, "failed", searchNotYetFinished, { failure: { reason: failure.reason, stage: failure.stage }, completedAt });
  }

  // --- Batches --------------------------------------------------------------------------

  /**
   * Batch B of search S finished: store it and count it — once, however often it is
   * retried — and say whether it was the last one.
   *
   * 1. Put the BatchResult only if absent (`batchNotYetRecorded`). A retried or duplicated
   *    batch is refused here and counts nothing (`recorded: false`).
   * 2. Only after that put succeeds, ADD 1 to the search's `completedBatches` (returning
   *    the new value, ALL_NEW), while the search is unfinished (`searchNotYetFinished`) and
   *    no recount has taken over the counter (`counterNotReconciled`). Each successful put
   *    adds exactly once and DynamoDB applies ADDs one at a time, so the counter passes
   *    through every value once: exactly one caller sees `completedBatches === batchCount`
   *    (`reachedBatchCount`), and it emits `Search Batches Completed`.
   *
   * If the process dies between 1 and 2, the batch is stored but not counted, and a retry
   * cannot tell (its put is refused as a duplicate). The counter then stays one short and
   * nobody reaches batchCount; the sweeper finds the search overdue and runs
   * `reconcileCompletedBatches`, which recounts the stored results and raises the counter
   * (and reports reaching batchCount, if the recount does).
   */
  async function recordBatchResult(input: NewBatchResult): Promise<BatchRecording> {
    const search = await requireSearch(input.searchId);
    if (!Number.isInteger(input.batchId) || input.batchId < 0 || input.batchId >= search.batchCount) {
      throw new BatchResultRejectedError(input.searchId, input.batchId, `batch ${input.batchId} is not one of search ${input.searchId}'s ${search.batchCount} batches`);
    }
    const encoded = encodeMatches(input.matches);
    if (Buffer.byteLength(encoded.matches) > MATCHES_MAX_STORED_BYTES) {
      throw new BatchResultRejectedError(
        input.searchId,
        input.batchId,
        `batch ${input.batchId}'s ${input.matches.length} matches take ${Buffer.byteLength(encoded.matches)} bytes even compressed; ` +
          `a batch result holds at most ${MATCHES_MAX_STORED_BYTES}: keep fewer top matches per batch`,
      );
    }
    const completedAt = input.completedAt ?? now().toISOString();
    try {
      await batchResults
        .put({
          searchId: input.searchId,
          batchId: input.batchId,
          ...encoded,
          scored: input.scored,
          completedAt,
          ttl: Math.floor(Date.parse(completedAt) / 1000) + ttlSeconds,
        })
        .where(batchNotYetRecorded)
        .go({ response: "none" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Already stored. Once a recount owns the counter, counting is idempotent, so even a
      // duplicate may help it along; before that, a duplicate must not count.
      const current = await requireSearch(input.searchId);
      if (current.reconciledAt && isUnfinished(current.status)) {
        const recounted = await recount(input.searchId);
        return { recorded: false, counted: recounted.repaired, completedBatches: recounted.completedBatches, batchCount: recounted.batchCount, reachedBatchCount: recounted.reachedBatchCount };
      }
      return { recorded: false, counted: false, completedBatches: current.completedBatches, batchCount: current.batchCount, reachedBatchCount: false };
    }
    return { recorded: true, ...(await countStoredBatch(input.searchId)) };
  }

  /** Step 2 of recordBatchResult, for a batch whose put just succeeded. */
  async function countStoredBatch(searchId: string): Promise<Omit<BatchRecording, "recorded">> {
    try {
      const { data: after } = await searches
        .patch({ searchId })
        .add({ completedBatches: 1 })
        .where(searchNotYetFinished)
        .where(counterNotReconciled)
        .go({ response: "all_new" });
      return { counted: true, completedBatches: after.completedBatches, batchCount: after.batchCount, reachedBatchCount: after.completedBatches === after.batchCount };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    // Refused: the search has finished (a late batch: stored, not counted) or a recount
    // owns the counter — then this batch counts by recount.
    const current = await requireSearch(searchId);
    if (!isUnfinished(current.status)) {
      return { counted: false, completedBatches: current.completedBatches, batchCount: current.batchCount, reachedBatchCount: false };
    }
    const recounted = await recount(searchId);
    return { counted: recounted.repaired, completedBatches: recounted.completedBatches, batchCount: recounted.batchCount, reachedBatchCount: recounted.reachedBatchCount };
  }

  /**
   * Sets the counter to the number of stored batch results if that is higher, with a
   * conditional update (`searchNotYetFinished`, `counterUnchangedSinceRead`), reading and
   * counting again while other writers move the counter in between.
   */
  async function recount(searchId: string): Promise<Reconciliation> {
    for (let round = 0; round < RECOUNT_ROUNDS; round++) {
      const search = await requireSearch(searchId);
      const stored = await storedBatchIds(searchId);
      const present = new Set(stored);
      const missingBatches: number[] = [];
      for (let b = 0; b < search.batchCount; b++) if (!present.has(b)) missingBatches.push(b);
      const recordedBatches = stored.length;
      const unchanged = { recordedBatches, completedBatches: search.completedBatches, batchCount: search.batchCount, missingBatches, repaired: false, reachedBatchCount: false };
      if (recordedBatches <= search.completedBatches || !isUnfinished(search.status)) return unchanged;
      try {
        await searches
          .patch({ searchId })
          .set({ completedBatches: recordedBatches, reconciledAt: now().toISOString() })
          .where(searchNotYetFinished)
          .where(counterUnchangedSinceRead(search.completedBatches))
          .go({ response: "none" });
        return { ...unchanged, completedBatches: recordedBatches, repaired: true, reachedBatchCount: recordedBatches === search.batchCount };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The counter moved (or the search finished) since the read: look again.
      }
    }
    throw new StateError(`search ${searchId}'s batch counter kept changing through ${RECOUNT_ROUNDS} recounts; try again`);
  }

  /** The batchIds of search S's stored results (consistent, all pages, batchId only). */
  async function storedBatchIds(searchId: string): Promise<number[]> {
    const { data } = await batchResults.query.bySearch({ searchId }).go({ pages: "all", consistent: true, attributes: ["batchId"] });
    return data.map((row) => row.batchId);
  }

  /** Which results have search S's batches produced? All of them, in batch order, matches decoded. */
  async function listBatchResults<M = unknown>(searchId: string): Promise<BatchResult<M>[]> {
    const { data } = await batchResults.query.bySearch({ searchId }).go({ pages: "all", consistent: true });
    return data.map(({ matches, matchesEncoding, ...rest }) => ({ ...rest, matches: decodeMatches<M>({ matches, matchesEncoding }) }));
  }

  /** Which of search S's batches (0 … batchCount-1) have no result yet? In batch order. */
  async function listMissingBatches(searchId: string): Promise<number[]> {
    const search = await requireSearch(searchId);
    const present = new Set(await storedBatchIds(searchId));
    const missing: number[] = [];
    for (let b = 0; b < search.batchCount; b++) if (!present.has(b)) missing.push(b);
    return missing;
  }

  /**
   * Does search S's counter agree with its stored batches? Repair it if not.
   *
   * The sweeper runs this for overdue searches. It recounts the stored batch results and,
   * if the counter is behind (a worker died between its put and its increment), raises it
   * with a conditional update that holds only if the counter has not moved since it was
   * read (`counterUnchangedSinceRead`) and the search is unfinished. It also marks the
   * counter as reconciled: from then on workers count by recount too, so a worker that
   * was between put and increment during the recount cannot count its batch a second time
   * (`counterNotReconciled`).
   *
   * Idempotent: a second run finds the counter equal to the recount and changes nothing.
   * When the repair makes the counter reach batchCount, `reachedBatchCount` is true for
   * this call only, and the caller emits `Search Batches Completed`. `missingBatches` says
   * which batches to retry.
   */
  async function reconcileCompletedBatches(searchId: string): Promise<Reconciliation> {
    return recount(searchId);
  }

  // --- Webhooks -------------------------------------------------------------------------

  /** Add subscription W (refused if its id exists: ElectroDB `create` puts only if absent). */
  async function createSubscription(input: NewSubscription): Promise<SubscriptionItem> {
    const { data } = await subscriptions
      .create({
        subscriptionId: input.subscriptionId ?? randomUUID(),
        url: input.url,
        events: [...input.events],
        secret: input.secret,
        active: input.active ?? true,
        ...(input.allowPrivate ? { allowPrivate: true } : {}),
        createdAt: input.createdAt ?? now().toISOString(),
      })
      .go();
    return data;
  }

  /** What is subscription W? */
  async function getSubscription(subscriptionId: string): Promise<SubscriptionItem | undefined> {
    const { data } = await subscriptions.get({ subscriptionId }).go({ consistent: true });
    return data ?? undefined;
  }

  /** Which subscriptions exist, oldest first? */
  async function listSubscriptions(): Promise<SubscriptionItem[]> {
    const { data } = await subscriptions.query.byCreation({}).go({ pages: "all" });
    return data;
  }

  /** Remove subscription W; true if it existed. */
  async function removeSubscription(subscriptionId: string): Promise<boolean> {
    const { data } = await subscriptions.delete({ subscriptionId }).go({ response: "all_old" });
    return data !== null && data !== undefined;
  }

  /** Which active subscriptions want event type E (e.g. "Search Completed")? */
  async function listSubscriptionsForEvent(eventType: string): Promise<SubscriptionItem[]> {
    const { data } = await subscriptions.query
      .byCreation({})
      .where(({ active, events }, { eq, contains }) => `${eq(active, true)} AND ${contains(events, eventType)}`)
      .go({ pages: "all" });
    return data;
  }

  /**
   * Delivery D made attempt n with this outcome. Written only while the attempt is
   * unrecorded or pending (`attemptNotYetSettled`); a duplicated message for a settled
   * attempt changes nothing and gets `recorded: false` with the stored attempt.
   */
  async function recordDeliveryAttempt(input: DeliveryAttempt): Promise<{ recorded: boolean; delivery: DeliveryItem }> {
    const deliveryId = input.deliveryId ?? `${input.subscriptionId}/${input.eventId}`;
    try {
      const { data } = await deliveries
        .put({
          deliveryId,
          subscriptionId: input.subscriptionId,
          eventId: input.eventId,
          eventType: input.eventType,
          attempt: input.attempt,
          status: input.status,
          statusCode: input.statusCode,
          latencyMs: input.latencyMs,
          error: input.error,
          attemptedAt: input.attemptedAt ?? now().toISOString(),
        })
        .where(attemptNotYetSettled)
        .go();
      return { recorded: true, delivery: data };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { data } = await deliveries.get({ deliveryId, attempt: input.attempt }).go({ consistent: true });
      if (!data) throw new StateError(`delivery ${deliveryId} attempt ${input.attempt} was refused but cannot be read`, { cause: error });
      return { recorded: false, delivery: data };
    }
  }

  /** Which attempts did delivery D make, in order? */
  async function listDeliveryAttempts(deliveryId: string): Promise<DeliveryItem[]> {
    const { data } = await deliveries.query.byAttempt({ deliveryId }).go({ pages: "all", consistent: true });
    return data;
  }

  /** Which deliveries did subscription W get, newest attempt first? One page per call. */
  async function listDeliveriesOfSubscription(subscriptionId: string, page: PageRequest = {}): Promise<Page<DeliveryItem>> {
    const { data, cursor } = await deliveries.query.bySubscription({ subscriptionId }).go({ order: "desc", limit: page.limit, cursor: page.cursor ?? null });
    return { items: data, cursor };
  }

  // --- Libraries ------------------------------------------------------------------------

  /** Library L was indexed: store (or replace) its record. */
  async function putLibrary(input: NewLibrary): Promise<LibraryItem> {
    const { data } = await libraries.put({ ...input, indexedAt: input.indexedAt ?? now().toISOString() }).go();
    return data;
  }

  /** What is library L? */
  async function getLibrary(name: string): Promise<LibraryItem | undefined> {
    const { data } = await libraries.get({ name }).go({ consistent: true });
    return data ?? undefined;
  }

  /** Which libraries exist, by name? */
  async function listLibraries(): Promise<LibraryItem[]> {
    const { data } = await libraries.query.all({}).go({ pages: "all" });
    return data;
  }

  return {
    layout,
    service: db,
    getSearch,
    createSearchFromUpload,
    findSearchByUpload,
    listSearchesByStatus,
    markSearchRunning,
    markSearchCompleted,
    markSearchFailed,
    recordBatchResult,
    listBatchResults,
    listMissingBatches,
    reconcileCompletedBatches,
    createSubscription,
    getSubscription,
    listSubscriptions,
    removeSubscription,
    listSubscriptionsForEvent,
    recordDeliveryAttempt,
    listDeliveryAttempts,
    listDeliveriesOfSubscription,
    putLibrary,
    getLibrary,
    listLibraries,
    ...admissionAccess(db.entities, now),
    ...submissionAccess(db.entities, now),
    ...subscriptionSecretAccess(db.entities),
  };
}

/** The state store's type: what {@link createStateStore} returns. */
export type StateStore = ReturnType<typeof createStateStore>;

function isUnfinished(status: SearchStatus): boolean {
  return status === "accepted" || status === "running";
}
