import type { CatalogEvent, CatalogEventEntry } from "@cds/events";
import type { AcceptUploadDeps, CombineSearchDeps, LibraryStores, SourceImageReader } from "@cds/core/pipeline";
import type { BatchPlanOptions, DispatchTreeOptions } from "@cds/core/planning";
import type { BlobStore, Invoker } from "@cds/core/ports";
import type { StateStore } from "@cds/core/state";

/** One event to put on the bus, typed by its detail-type (EventBridge's PutEvents entry, camel-cased). */
export type SearchEventEntry = CatalogEventEntry;

/** Puts events on the bus (the local bus, or EventBridge's PutEvents). */
export interface EventPublisher {
  publish(entries: readonly SearchEventEntry[]): Promise<unknown>;
}

/** The deployed names of the functions the dispatch tree invokes. */
export const functionNames = { dispatchNode: "search-dispatch-node", worker: "search-worker" } as const;

/** A search's final event, as notify receives it. */
export type SearchOutcomeEvent = Extract<CatalogEvent, { "detail-type": "Search Completed" | "Search Failed" }>;

/** A submission's final event, as notify receives it. */
export type SubmissionOutcomeEvent = Extract<CatalogEvent, { "detail-type": "Submission Completed" }>;

/** Every event notify hands to webhook subscribers. */
export type NotifiedEvent = SearchOutcomeEvent | SubmissionOutcomeEvent;

/**
 * Every port a handler may use; each handler takes only the ones it names. The local runtime
 * builds these from folders, dynalite and in-process queues; a Lambda entry from S3, DynamoDB,
 * EventBridge and SQS.
 */
export interface PipelineDeps {
  state: StateStore;
  /** The upload bucket (keys `<library>/<mask file>`). */
  uploads: BlobStore;
  libraries: LibraryStores;
  /** The results bucket (`<searchId>.json`, `<searchId>.html`). */
  results: BlobStore;
  sourceImages?: SourceImageReader;
  /** The shape stage's colour-depth LUT (searches ranked by shape); default the built-in approximation. */
  shapeLut?: CombineSearchDeps["shapeLut"];
  bus: EventPublisher;
  invoker: Invoker;
  /** Batch planning, shared by intake and dispatch (tests use small batches). */
  batchPlan?: BatchPlanOptions;
  dispatchTree?: DispatchTreeOptions;
  /**
   * Admission control: at most this many searches run at once, the rest wait in arrival order
   * (default: no limit but the worker budget; the local runtime derives its own from its scoring
   * threads).
   */
  maxRunning?: number;
  /**
   * Admission control: at most this many workers in flight over all running searches (a stage's
   * `CDS_WORKER_BUDGET`, default 800 there; no limit locally, where the thread pool queues).
   */
  workerBudget?: number;
  /** Intake: largest mask file read (default 64 MiB) and where masks are decoded (default: this thread). */
  maskMaxBytes?: AcceptUploadDeps["maskMaxBytes"];
  decodeMask?: AcceptUploadDeps["decodeMask"];
  /** Queues webhook deliveries of an event (`createWebhookSender(...).enqueueEvent`). */
  webhooks: { enqueueEvent(event: NotifiedEvent): Promise<unknown> };
  /** Emails a search's outcome to its submitter or the default recipient. */
  email(event: SearchOutcomeEvent): Promise<unknown>;
  /** Emails a submission's outcome to its submitter or the default recipient; no email without it. */
  emailSubmission?(event: SubmissionOutcomeEvent): Promise<unknown>;
  now?: () => Date;
}
