/**
 * The state store: every entity in one ElectroDB service over one table, and every access
 * pattern as one named function, one file per concept. The DynamoDB DocumentClient is passed in
 * (an adapter builds it: dynalite locally, DynamoDB in the cloud); nothing here creates one.
 *
 * Searches and upload claims (search-access.ts)
 * - What is search S? What are S1 … Sn?                        getSearch, getSearches
 * - Create the search for upload U — once                      createSearchFromUpload
 * - Which search was created from upload U?                    findSearchByUpload
 * - Which searches have status X, newest first?                listSearchesByStatus
 * - Mark S running / completed / failed (conditional)          markSearchRunning, markSearchCompleted, markSearchFailed
 * - Which ended searches' end events are not yet published? It was: listSearchesAwaitingEndEvent, markEndEventPublished
 *
 * Batches and completion (completion-access.ts)
 * - Batch B of S finished: store and count it — once — and did it complete its leaf or S?
 *                                                              recordBatchResult
 * - Which results have S's batches produced, which are missing? listBatchResults, listMissingBatches
 * - How many batches of S are counted? (progress)              countCompletedBatches
 * - Leaf L started its workers; what has every leaf done?      recordLeafDispatched, listLeafStates
 * - Was S's completion announced? Repair its counting          rootAnnouncedAt, reconcileCompletion
 *
 * Webhooks (webhook-access.ts, subscription-secret-access.ts)
 * - Add / get / remove / list subscriptions; those for event E; delivery attempts
 * - Which attempts of W's deliveries wait to be sent (pending)? listPendingDeliveries
 * - Give W a new secret, the old one valid for a grace period  rotateSubscriptionSecret
 *
 * Libraries (library-access.ts)
 * - putLibrary, getLibrary, listLibraries
 *
 * Admission (../admission/admission-access.ts)
 * - Which searches hold a running slot, and how many workers? Take one within the limits, free it;
 *   which searches wait?
 *
 * Submissions (submission-access.ts)
 * - Record a submission and its masks, link searches, record outcomes, complete it, list them
 * - Which completed submissions' events are not yet published? It was: listSubmissionsAwaitingEndEvent, markSubmissionEndEventPublished
 *
 * No write here uses a transaction (dynalite has none): every guarantee comes from a
 * single-item conditional write, built from the named clauses in each file.
 */
import { Service } from "electrodb";
import type { DocumentClient } from "electrodb";
import { admissionGateEntity } from "../entities/admission-gate.ts";
import { batchResultEntity } from "../entities/batch-result.ts";
import { completionGroupEntity } from "../entities/completion-group.ts";
import { deliveryEntity } from "../entities/delivery.ts";
import { emailNoticeEntity } from "../entities/email-notice.ts";
import { libraryEntity } from "../entities/library.ts";
import { searchEntity } from "../entities/search.ts";
import { stateTableLayout } from "../entities/state-table.ts";
import type { StateTableLayout, StateTableLayoutOverrides } from "../entities/state-table.ts";
import { submissionEntity } from "../entities/submission.ts";
import { submissionMaskEntity } from "../entities/submission-mask.ts";
import { subscriptionEntity } from "../entities/subscription.ts";
import { uploadClaimEntity } from "../entities/upload-claim.ts";
import { admissionAccess } from "../admission/admission-access.ts";
import { completionAccess, DEFAULT_BATCH_RESULT_TTL_SECONDS } from "./completion-access.ts";
import { emailNoticeAccess } from "./email-notice-access.ts";
import { libraryAccess } from "./library-access.ts";
import { searchAccess } from "./search-access.ts";
import { submissionAccess } from "./submission-access.ts";
import { subscriptionSecretAccess } from "./subscription-secret-access.ts";
import { webhookAccess } from "./webhook-access.ts";

/**
 * Builds the one ElectroDB service that holds every state entity, bound to a client and a
 * table layout.
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
      completionGroup: completionGroupEntity(layout),
      subscription: subscriptionEntity(layout),
      delivery: deliveryEntity(layout),
      library: libraryEntity(layout),
      submission: submissionEntity(layout),
      submissionMask: submissionMaskEntity(layout),
      admissionGate: admissionGateEntity(layout),
      emailNotice: emailNoticeEntity(layout),
    },
    { client, table: layout.tableName },
  );
}

/** Options of {@link createStateStore}. */
export type StateStoreOptions = {
  /** A DynamoDB DocumentClient (AWS SDK v3 `DynamoDBDocumentClient`), built by an adapter. */
  client: DocumentClient;
  /** Table name and key attribute names; defaults per `defaultStateTableLayout`. */
  table?: StateTableLayoutOverrides;
  /** Lifetime of batch results and completion groups, seconds after they are written (DynamoDB TTL). */
  batchResultTtlSeconds?: number;
  /** Clock, for tests. */
  now?: () => Date;
};

/**
 * The state store: every access pattern of the pipeline's state as one named function, over one
 * table through the DocumentClient given.
 *
 * @example
 * const state = createStateStore({ client: documentClient, table: { tableName: "cds-state" } });
 * const { search, created } = await state.createSearchFromUpload({ uploadKey, library, maskKey, spec, batchCount, batchSize, targetCount });
 * if (created) await bus.publish("Search Accepted", { searchId: search.searchId });
 */
export function createStateStore(options: StateStoreOptions) {
  const layout = stateTableLayout(options.table);
  const { entities } = stateService(options.client, layout);
  const now = options.now ?? (() => new Date());
  return {
    layout,
    ...searchAccess(entities, now),
    ...completionAccess(entities, now, options.batchResultTtlSeconds ?? DEFAULT_BATCH_RESULT_TTL_SECONDS),
    ...webhookAccess(entities, now),
    ...libraryAccess(entities, now),
    ...admissionAccess(entities, now),
    ...submissionAccess(entities, now),
    ...subscriptionSecretAccess(entities),
    ...emailNoticeAccess(entities, now),
  };
}

/** The state store's type: what {@link createStateStore} returns. */
export type StateStore = ReturnType<typeof createStateStore>;
