import { CustomAttributeType, Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";
import type { SearchParams } from "../search-params.ts";

/**
 * Where a search is in its life: `accepted` by intake, `running` once dispatched,
 * then `completed` (results written) or `failed` (with a reason).
 */
export const SEARCH_STATUSES = ["accepted", "running", "completed", "failed"] as const;

/** One of {@link SEARCH_STATUSES}. */
export type SearchStatus = (typeof SEARCH_STATUSES)[number];

/**
 * Whether a search is still in flight — accepted (about to start) or running — and so still
 * needs its running slot. A finished or missing search does not.
 *
 * @example
 * if (!isInFlight((await state.getSearch(id))?.status)) await state.releaseRunningSlot(id);
 */
export function isInFlight(status: SearchStatus | undefined): boolean {
  return status === "accepted" || status === "running";
}


/** One library of a search, as intake read it: its name, its build (version) and its size. */
export type SearchedLibrary = { name: string; build: string; count: number };

/** Why a search failed, written for a person, and the pipeline stage that failed it. */
export type SearchFailure = { reason: string; stage: string };

/**
 * The `Search` entity: one mask searched over one library.
 *
 * Access patterns: "What is search S?" (`byId`) and "Which searches have status X,
 * newest first?" (`byStatus`, on gsi1: status → submittedAt, searchId). The primary key
 * holds only the immutable `searchId`; `status` lives in gsi1 only, where a change moves
 * the item between index partitions.
 *
 * A search of a `cds submit` batch names its submission (`submissionId`, `submissionMaskId`).
 *
 * What a search runs with is its typed spec: `params` (resolved search parameters) and `top`
 * (matches kept), parsed once by intake. Batches are counted in completion groups
 * (`entities/completion-group.ts`), never on this item: it takes a handful of writes per search
 * (created, started, finished), however many batches it has. `completedBatches` is the count of
 * stored batches as the combiner found them.
 *
 * @example
 * const searches = searchEntity(stateTableLayout());
 * await searches.get({ searchId }).go();
 */
export function searchEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "search", version: "2", service: STATE_SERVICE },
    attributes: {
      searchId: { type: "string", required: true, readOnly: true },
      library: { type: "string", required: true, readOnly: true },
      /**
       * The libraries searched, in order, each with the build (version) intake read it at, so a
       * `cds library update` while the search runs changes nothing for it. Absent on searches
       * accepted before: those read `library`'s current version.
       */
      libraries: {
        type: "list",
        readOnly: true,
        items: {
          type: "map",
          properties: {
            name: { type: "string", required: true },
            build: { type: "string", required: true },
            count: { type: "number", required: true },
          },
        },
      },
      maskKey: { type: "string", required: true, readOnly: true },
      params: { type: CustomAttributeType<SearchParams>("any"), required: true, readOnly: true },
      top: { type: "number", required: true, readOnly: true },
      /** Ranked by shape after the pixel match (the spec's `shape`); absent for pixel ranking. */
      shape: { type: "map", properties: { topLines: { type: "number", required: true } }, readOnly: true },
      status: { type: SEARCH_STATUSES, required: true },
      batchCount: { type: "number", required: true, readOnly: true },
      batchSize: { type: "number", required: true, readOnly: true },
      completedBatches: { type: "number", required: true, default: 0 },
      targetCount: { type: "number", required: true, readOnly: true },
      submittedAt: { type: "string", required: true, readOnly: true },
      startedAt: { type: "string" },
      /** Leaves of the dispatch tree run at once, when the search runs in waves (its worker grant). */
      lanes: { type: "number" },
      completedAt: { type: "string" },
      failure: {
        type: "map",
        properties: {
          reason: { type: "string", required: true },
          stage: { type: "string", required: true },
        },
      },
      resultsKey: { type: "string" },
      notifyEmail: { type: "string" },
      uploadKey: { type: "string", required: true, readOnly: true },
      matchCount: { type: "number" },
      partial: { type: "boolean" },
      /** The submission the mask came in (from the upload's sidecar), and the mask's id in it. */
      submissionId: { type: "string", readOnly: true },
      submissionMaskId: { type: "string", readOnly: true },
      /**
       * Set by the same write that ends the search (completed or failed), removed once its end
       * event was published and handled: the outbox record of an end event, so one lost in a
       * crash or a stop is published at the next start or sweep. Absent on searches that ended
       * before the outbox existed, so those are never announced again. Only cds dev's outbox
       * reads and clears it; the cloud pipeline sets it and does not read it yet.
       */
      endEventPending: { type: "boolean" },
      /**
       * Set when intake creates the search, removed once its `Search Accepted` was published: a
       * search whose intake died between the two is announced at cds dev's next start or sweep.
       */
      acceptedEventPending: { type: "boolean" },
    },
    indexes: {
      byId: {
        pk: { field: layout.fields.pk, composite: ["searchId"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
      byStatus: {
        index: layout.indexes.gsi1,
        pk: { field: layout.fields.gsi1pk, composite: ["status"], casing: "none" },
        sk: { field: layout.fields.gsi1sk, composite: ["submittedAt", "searchId"], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `Search` entity's type. */
export type SearchEntity = ReturnType<typeof searchEntity>;

/** A stored search, as the service returns it. */
export type SearchItem = EntityItem<SearchEntity>;
