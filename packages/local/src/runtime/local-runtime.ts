import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { admitWaitingSearches, checkMaxRunning, defaultMaxRunning, sweepAdmission } from "@cds/core/admission";
import { sweepSubmissions } from "@cds/core/submission";
import type { AdmitWaitingDeps } from "@cds/core/admission";
import type { Lut } from "@cds/core/image";
import type { RetryPolicy, WebhookDeliveryMessage } from "@cds/core/notify";
import type { BatchPlanOptions, DispatchTreeOptions } from "@cds/core/planning";
import type { StateStore } from "@cds/core/state";
import { s3EventSource, type CatalogEvent } from "@cds/events";
import {
  createWebhookSender,
  dispatchNode,
  emailSearchOutcome,
  emailSubmissionOutcome,
  functionNames,
  invocationGaveUp,
  resume,
  runningSearches,
  searchLauncher,
  stageFailed,
  submissionCompletedEntry,
  sweepSearches,
  worker,
  type PipelineDeps,
  type SearchEventEntry,
} from "@cds/functions";
import { FolderBlobStore } from "../folder-blob-store.ts";
import { librariesUnder, libraryNames } from "../library-folders.ts";
import { LocalEventBus } from "../event-bus/local-event-bus.ts";
import { LocalInvoker, type InvocationFailure } from "../invoker/local-invoker.ts";
import { createLocalMailer, type SmtpSettings } from "../notify/mailer.ts";
import { InProcessDeliveryQueue } from "../notify/in-process-delivery-queue.ts";
import { startLocalState, type LocalState } from "../state/local-state.ts";
import { coalescedRun } from "./coalesced-run.ts";
import { endEventOutbox } from "./end-event-outbox.ts";
import { recoverAcceptedEvents } from "./accepted-event-recovery.ts";
import { removeLeftoverTemporaryFiles } from "./leftover-files.ts";
import { subscribeRuleTargets } from "./local-routes.ts";
import { lockRoot, type RootLock } from "./root-lock.ts";
import { folderSourceImages } from "./source-image-reader.ts";
import { removeStateEndpoint, writeStateEndpoint } from "./state-endpoint.ts";
import { threadMaskDecoder } from "./thread-mask-decoder.ts";
import { threadPoolBatchScorer } from "./thread-pool-batch-scorer.ts";
import { watchUploads, type UploadWatcher } from "./upload-watcher.ts";

/** The bucket name the watched folder reports in its `Object Created` events. */
export const LOCAL_UPLOAD_BUCKET = "uploads";

/** How old an unannounced search must be before a sweep announces it: older than any intake in flight. */
const ACCEPTED_EVENT_GRACE_MS = 60_000;

/** Options of {@link startLocalRuntime}. */
export interface LocalRuntimeOptions {
  /** The data folder: libraries/, uploads/, results/, state/, outbox/, events.log. */
  root: string;
  /** The LUT of searches ranked by shape (`rank: "shape"`), and its name; default the built-in approximation. */
  shapeLut?: { lut: Lut; source: string };
  /** Upload folder poll interval (default 500 ms). */
  pollMs?: number;
  /** How long an upload must stop changing before it is taken (default 2 s); one moved in by rename is taken at once. */
  uploadSettleMs?: number;
  /** Largest mask file intake reads (default 64 MiB); a larger one fails its search unread. */
  maskMaxBytes?: number;
  /** Send email through this server; else .eml files in root/outbox. */
  smtp?: SmtpSettings;
  /** Where results emails go when the upload named no notifyEmail. */
  defaultRecipient?: string;
  /** Sender of results emails (default cds@localhost). */
  from?: string;
  /** Batch planning for intake and dispatch (default: one batch per shard). */
  batchPlan?: BatchPlanOptions;
  dispatchTree?: DispatchTreeOptions;
  /** Worker threads that score batches (default: os.availableParallelism()). */
  scorerThreads?: number;
  /**
   * Invocations run at once, dispatchers and workers together (default: twice the scorer
   * threads, so every thread has a batch queued while finished ones are being recorded).
   */
  concurrency?: number;
  /**
   * Searches running at once; the rest wait in arrival order (default: `defaultMaxRunning` of
   * the scorer threads — half of them, at least 2).
   */
  maxRunning?: number;
  /** Waits before the invoker's retries (default 1 s, 2 s: Lambda's two retries). */
  retryDelaysMs?: readonly number[];
  /** Webhook attempts and backoff (default: 8 attempts). */
  webhookRetry?: Partial<RetryPolicy>;
  /** How long one webhook attempt waits for an answer (default 10 s). */
  webhookTimeoutMs?: number;
  /** How often the sweeper looks at running searches (default 30 s). */
  sweepIntervalMs?: number;
  /** A search still missing batches this long after it started finishes partial or fails (default 400 s, NeuronBridge's timeout). */
  searchDeadlineMs?: number;
  /** Missing batches are re-run once a search (or its last re-run) is this old (default 60 s). */
  retryMissingAfterMs?: number;
  /** Told about every event this runtime publishes, after it is in the log. */
  onEvent?: (event: CatalogEvent) => void;
  /** Told about errors no search can carry (a handler whose failure ends no stage, or that names no search); default stderr. */
  onError?: (error: unknown) => void;
}

/** A running local runtime. */
export interface LocalRuntime {
  readonly root: string;
  readonly state: StateStore;
  readonly bus: LocalEventBus;
  readonly invoker: LocalInvoker;
  /** dynalite's endpoint (also in root/state/endpoint.json while running). */
  readonly endpoint: string;
  /** Webhook deliveries that used up their attempts, whole (body included), for a redrive. */
  readonly deadLetters: InProcessDeliveryQueue<WebhookDeliveryMessage>;
  /** At most this many searches run at once. */
  readonly maxRunning: number;
  /** Scans the upload folder now instead of at the next tick. */
  scanUploads(): Promise<void>;
  /** Stops watching, lets running handlers finish (unstarted work resumes at the next start), releases everything. */
  stop(): Promise<void>;
}

/**
 * Starts the whole pipeline on this machine: dynalite state under root/state, the in-process bus
 * (log root/events.log) evaluating the project's rules, the Lambda-like invoker for the dispatch
 * tree and workers, webhook delivery with retries, email (SMTP or root/outbox), and a watcher on
 * root/uploads/<library>/. At most `maxRunning` searches run at once; the others wait, in arrival
 * order, for a slot. Searches that were in flight when it last stopped are resumed, slots held by
 * searches that ended meanwhile are freed, and submissions whose last search ended are completed.
 *
 * Workers score in a pool of worker threads as wide as the machine (one batch per invocation,
 * each thread keeping the search's prepared mask and a read buffer); the main thread only
 * records batch results and emits events, so the watcher and webhooks stay responsive.
 *
 * @example
 * const runtime = await startLocalRuntime({ root: "cds-data", onEvent: (e) => console.log(e["detail-type"]) });
 * // drop cds-data/uploads/lm/mask.png …
 * await runtime.stop();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const { root } = options;
  const onError = options.onError ?? ((error: unknown) => console.error("cds:", error));
  const { folders, rootLock } = await prepareRoot(root);
  const local = await startLocalState({ folder: folders.state }).catch(async (error: unknown) => {
    await rootLock.release();
    throw error;
  });
  await writeStateEndpoint(folders.state, local.endpoint);
  let stopping = false;
  const pipeline = createLocalPipeline(options, folders, local, { onError, stopping: () => stopping });
  const { bus, invoker, deps } = pipeline;
  subscribeRuleTargets({ bus, deps, admission: pipeline.admission, retryDelaysMs: options.retryDelaysMs, stopping: () => stopping });
  invoker.register(functionNames.dispatchNode, async (payload) => (stopping ? undefined : dispatchNode(payload, deps)));
  invoker.register(functionNames.worker, async (payload) => (stopping ? undefined : worker(payload, { ...deps, scorer: pipeline.scorer })));
  await recoverAtStart(pipeline, onError);
  const watcher = watchUploadFolder(folders.uploads, pipeline, options, onError);
  const sweeper = startSweeper(pipeline, options, () => stopping, onError);

  let stopped: Promise<void> | undefined;
  return {
    root,
    state: local.state,
    bus,
    invoker,
    endpoint: local.endpoint,
    deadLetters: pipeline.deadLetters,
    maxRunning: pipeline.maxRunning,
    scanUploads: () => watcher.scan(),
    stop() {
      stopped ??= (async () => {
        await watcher.stop();
        stopping = true;
        await sweeper.stop();
        await Promise.all([bus.idle(), invoker.idle()]);
        await pipeline.close();
        await removeStateEndpoint(folders.state);
        await local.stop();
        await rootLock.release();
      })();
      return stopped;
    },
  };
}

/** The data folders under a runtime's root. */
interface RuntimeFolders {
  uploads: string;
  results: string;
  state: string;
  outbox: string;
}

/**
 * Makes the data folders, takes the root's lock (one cds dev per root: a second stops here,
 * naming the first's pid), removes temporary files a killed run left, and makes an upload folder
 * per library, so a person sees where masks go.
 */
async function prepareRoot(root: string): Promise<{ folders: RuntimeFolders; rootLock: RootLock }> {
  const folders = { uploads: join(root, "uploads"), results: join(root, "results"), state: join(root, "state"), outbox: join(root, "outbox") };
  for (const folder of Object.values(folders)) await mkdir(folder, { recursive: true });
  const rootLock = await lockRoot(root);
  await removeLeftoverTemporaryFiles([folders.results, folders.outbox]);
  for (const name of await libraryNames(root)) await mkdir(join(folders.uploads, name), { recursive: true });
  return { folders, rootLock };
}

/** The runtime's parts that handlers, recovery and the sweeper share. */
interface LocalPipeline {
  bus: LocalEventBus;
  outbox: ReturnType<typeof endEventOutbox>;
  invoker: LocalInvoker;
  scorer: ReturnType<typeof threadPoolBatchScorer>;
  webhooks: ReturnType<typeof createWebhookSender>;
  deadLetters: InProcessDeliveryQueue<WebhookDeliveryMessage>;
  maxRunning: number;
  deps: PipelineDeps;
  /** `deps` with this process's one admission pass at a time (and the launcher core's admission needs). */
  admission: PipelineDeps & AdmitWaitingDeps;
  /** Stops the thread pools, the webhook worker and the mailer. */
  close(): Promise<void>;
}

/**
 * Builds the ports the handlers get: the in-process bus (log root/events.log) behind the durable
 * end-event outbox (an end event lost in a crash or a stop is published at the next start or
 * sweep), the mask decoder and scorer threads, the Lambda-like invoker, webhook delivery and mail.
 */
function createLocalPipeline(options: LocalRuntimeOptions, folders: RuntimeFolders, local: LocalState, control: { onError: (error: unknown) => void; stopping: () => boolean }): LocalPipeline {
  const { root } = options;
  const { onError } = control;
  const logFile = join(root, "events.log");
  const bus = new LocalEventBus({ logFile, uploadBucketName: LOCAL_UPLOAD_BUCKET, onDeliveryError: onError });
  const results = new FolderBlobStore(folders.results);
  const outbox = endEventOutbox({ bus, state: local.state, results, logFile, stopping: control.stopping, onEvent: options.onEvent, onError });
  const publisher = { publish: (entries: readonly SearchEventEntry[]) => outbox.publish(entries) };
  const maskDecoder = threadMaskDecoder(); // intake decodes masks off the main thread
  const scorer = threadPoolBatchScorer({ uploadsFolder: folders.uploads, librariesFolder: join(root, "libraries"), threads: options.scorerThreads });
  const invoker = new LocalInvoker({ concurrency: options.concurrency ?? 2 * scorer.threads, retryDelaysMs: options.retryDelaysMs, onFailure: (failure) => invocationFailed(failure) });
  const deadLetters = new InProcessDeliveryQueue<WebhookDeliveryMessage>();
  const webhookOptions = { retryPolicy: options.webhookRetry, timeoutMs: options.webhookTimeoutMs, onError };
  const webhooks = createWebhookSender({ state: local.state, queue: new InProcessDeliveryQueue<WebhookDeliveryMessage>(), deadLetterQueue: deadLetters, ...webhookOptions });
  const webhookWorker = webhooks.start(0.2);
  const mailer = createLocalMailer({ from: options.from ?? "cds@localhost", smtp: options.smtp, outboxFolder: folders.outbox });
  const maxRunning = checkMaxRunning(options.maxRunning ?? defaultMaxRunning(scorer.threads));
  const emailOptions = { state: local.state, mailer, defaultRecipient: options.defaultRecipient, resultsBaseUrl: `file://${folders.results}` };
  const deps: PipelineDeps = {
    state: local.state,
    uploads: new FolderBlobStore(folders.uploads),
    libraries: librariesUnder(root),
    results,
    sourceImages: folderSourceImages,
    ...(options.shapeLut ? { shapeLut: options.shapeLut } : {}),
    bus: publisher,
    invoker,
    batchPlan: options.batchPlan,
    dispatchTree: options.dispatchTree,
    maxRunning,
    maskMaxBytes: options.maskMaxBytes,
    decodeMask: maskDecoder.decode,
    webhooks,
    email: (event) => emailSearchOutcome(event, emailOptions),
    emailSubmission: (event) => emailSubmissionOutcome(event, emailOptions),
  };
  // One admission pass at a time in this process; passes asked for meanwhile become one more.
  const launcher = searchLauncher(deps);
  const admission = { ...deps, launcher, admitWaiting: coalescedRun(() => admitWaitingSearches({ ...deps, launcher })) };

  // What Lambda's on-failure destination does in the cloud (packages/aws/src/lambda/on-failure.ts).
  async function invocationFailed(failure: InvocationFailure): Promise<void> {
    const error = failure.error instanceof Error ? failure.error.message : String(failure.error);
    await invocationGaveUp({ functionName: failure.functionName, payload: failure.payload, error, attempts: failure.attempts }, deps);
  }

  async function close(): Promise<void> {
    await scorer.close();
    await maskDecoder.close();
    await webhookWorker.stop();
    mailer.close();
  }
  return { bus, outbox, invoker, scorer, webhooks, deadLetters, maxRunning, deps, admission, close };
}

/**
 * What a start recovers from the last stop: searches that were in flight are resumed; searches
 * intake created but never announced are announced, then accepted searches wait for a slot like
 * new ones (slots of searches that ended while nothing ran are freed first); submissions whose
 * last outcome was lost complete; queued webhook attempts go out again (each after what is left
 * of its backoff), then end events that were never published or never fully handled.
 */
async function recoverAtStart(pipeline: LocalPipeline, onError: (error: unknown) => void): Promise<void> {
  const { deps } = pipeline;
  for (const search of (await runningSearches(deps)).reverse()) {
    try {
      await resume(search, deps);
    } catch (error) {
      await stageFailed(search.searchId, "sweeper", error, deps);
    }
  }
  await recoverAcceptedEvents({ state: deps.state, publish: (entries) => deps.bus.publish(entries), olderThanMs: 0 }).catch(onError);
  await sweepAdmission(pipeline.admission).catch(onError);
  for (const completed of await sweepSubmissions(deps).catch((error: unknown) => (onError(error), []))) {
    await deps.bus.publish([submissionCompletedEntry(completed)]);
  }
  await pipeline.webhooks.requeuePending().catch(onError);
  await pipeline.outbox.recover().catch(onError);
}

/** Watches root/uploads/<library>/ and publishes an `Object Created` for each settled upload. */
function watchUploadFolder(folder: string, pipeline: LocalPipeline, options: LocalRuntimeOptions, onError: (error: unknown) => void): UploadWatcher {
  return watchUploads({
    folder,
    intervalMs: options.pollMs,
    settleMs: options.uploadSettleMs,
    onError,
    onUpload: async ({ key, size, etag }) => {
      await pipeline.deps.bus.publish([
        { source: s3EventSource, detailType: "Object Created", detail: { bucket: { name: LOCAL_UPLOAD_BUCKET }, object: { key, size, etag } } },
      ]);
    },
  });
}

/**
 * The sweeper, every `sweepIntervalMs`: re-runs missing batches, finishes overdue searches,
 * announces searches intake never announced, recovers the outbox. One sweep at a time; `stop`
 * waits for the one running.
 */
function startSweeper(pipeline: LocalPipeline, options: LocalRuntimeOptions, stopping: () => boolean, onError: (error: unknown) => void): { stop(): Promise<void> } {
  const { deps } = pipeline;
  const sweepSettings = { searchDeadlineMs: options.searchDeadlineMs, retryMissingAfterMs: options.retryMissingAfterMs };
  let sweeping: Promise<void> | undefined;
  const sweepTimer = setInterval(() => {
    if (stopping() || sweeping) return;
    sweeping = sweepSearches(pipeline.admission, sweepSettings)
      .then(() => undefined, onError)
      .then(() => recoverAcceptedEvents({ state: deps.state, publish: (entries) => deps.bus.publish(entries), olderThanMs: ACCEPTED_EVENT_GRACE_MS }))
      .then(() => undefined, onError)
      .then(() => pipeline.outbox.recover())
      .then(() => undefined, onError)
      .finally(() => (sweeping = undefined));
  }, options.sweepIntervalMs ?? 30_000);
  sweepTimer.unref();
  return {
    async stop() {
      clearInterval(sweepTimer);
      await sweeping;
    },
  };
}
