import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createSqsServer } from "local-aws-sqs";
import { stateTableLayout } from "@cds/core/entities";
import { createStateStore, type StateStore } from "@cds/core/state";
import { eventRules, matchesPattern, type EventRule, type RuleTarget } from "@cds/events";
import { createDocumentClient, ensureStateTable, startDynalite, type RunningDynalite } from "@cds/local";
import { eventOfEntry, startFakeEventBridge, type FakeEventBridge, type PutEventsWireEntry } from "@cds/testing/aws/fake-eventbridge";
import { startFakeLambda, type FakeLambda } from "@cds/testing/aws/fake-lambda";
import { startFakeSes, type FakeSes } from "@cds/testing/aws/fake-ses";
import { startFakeSsm, type FakeSsm } from "@cds/testing/aws/fake-ssm";
import { stageBucketParameter } from "../../packages/aws/src/stage-resources.ts";
import { stageStateTableName } from "../../packages/aws/src/stage-state.ts";
import type { LambdaEntry } from "../../stacks/Pipeline.ts";
import { awsError } from "@cds/testing/aws/local-endpoint";
import { startS3rver, type S3NotificationRecord } from "@cds/testing/aws/s3rver";

// A tiny "cloud" on 127.0.0.1 for running the unchanged Lambda entries (packages/aws/src/lambda)
// end to end: S3 is s3rver, DynamoDB is dynalite, SQS is local-aws-sqs; EventBridge, Lambda and
// SES have no emulator, so the wire-protocol fakes of @cds/testing/aws stand in, with
// just enough of the service's behaviour on top: the fake EventBridge routes accepted entries
// through the project's rules to the rules' targets, the fake Lambda runs the dispatch tree's
// functions on `Event` invokes, both with Lambda's asynchronous semantics (two retries, then
// the on-failure destination), and a poller plays the SQS event source of webhook delivery.
//
// Lambda runs one invocation at a time per container and starts more containers for
// concurrent ones; an entry relies on it (the worker keeps one scorer, with one shard read
// buffer, per container). A container here is one instance of the entry module, imported
// as `<entry>.ts?container=<n>`; the modules it imports (the clients built from the
// environment) are shared by all containers, which only saves sockets.

/** The Lambda entries, by file name in packages/aws/src/lambda: the stacks' list, so a new entry cannot be missed here. */
export type FunctionKey = LambdaEntry;

/** A Lambda entry's `handler` (the context argument is not used by any entry). */
export type LambdaHandler = (event: never) => Promise<unknown>;

/** Loads a fresh instance of an entry (a cold start): its `handler`. */
export type EntryLoader = (fn: FunctionKey, container: number) => Promise<LambdaHandler>;

/** Names as a stage would deploy them. */
export const cloudNames = {
  account: "123456789012",
  region: "us-east-1",
  buckets: { uploads: "uploads", library: "library", results: "results" },
  table: "cds-e2e-state",
  bus: "cds-e2e-search",
  webhookQueue: "cds-e2e-webhook-deliveries",
  webhookDeadLetters: "cds-e2e-webhook-dead-letters",
  emailFrom: "cds@example.org",
} as const;

/** Deployed function name of each entry (stacks: `<app>-<stage>-<entry>`). */
export const deployedFunctionNames: Record<FunctionKey, string> = {
  intake: "cds-e2e-intake",
  admission: "cds-e2e-admission",
  "dispatch-node": "cds-e2e-search-dispatch-node",
  worker: "cds-e2e-search-worker",
  combiner: "cds-e2e-combiner",
  "submission-tracking": "cds-e2e-submission-tracking",
  notify: "cds-e2e-notify",
  sweeper: "cds-e2e-sweeper",
  "webhook-delivery": "cds-e2e-webhook-delivery",
  "on-failure": "cds-e2e-on-failure",
};

/** The functions whose asynchronous invocations end at the on-failure function (stacks/Pipeline.ts); others' records are only kept. */
const FAILS_ITS_SEARCH: ReadonlySet<FunctionKey> = new Set(["intake", "admission", "dispatch-node", "worker", "combiner", "submission-tracking"]);

/** Lambda retries a failed asynchronous invocation twice (the stacks keep that default). */
const ASYNC_ATTEMPTS = 3;

/** Lambda waits about a minute, then two, between asynchronous retries; here a moment. */
const RETRY_DELAY_MS = 20;

/** One run of a function: which, the how-manieth attempt of its invocation, and how it ended. */
export interface FunctionRun {
  fn: FunctionKey;
  attempt: number;
  payload: unknown;
  /** The error message when the run threw. */
  error?: string;
}

/** The record Lambda hands an on-failure destination (or a failure queue) after the last retry. */
export interface DestinationRecord {
  version: "1.0";
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: "RetriesExhausted"; approximateInvokeCount: number };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError: "Unhandled" };
  responsePayload: { errorMessage: string; errorType: string };
}

/** An event the fake EventBridge accepted, as its rules' targets receive it, and where it went. */
export interface RoutedEvent {
  busName: string;
  event: ReturnType<typeof eventOfEntry>;
  targets: RuleTarget[];
}

/** Options of {@link startLocalCloud}; without any, the cloud is as it always was. */
export interface LocalCloudOptions {
  /**
   * Play a deployed stage of that name: the state table is the stage's
   * (`<stage>-cdm-search-state`, as `--stage` finds it), and an SSM endpoint holds the
   * parameters SST writes for the stage's buckets (`env.AWS_ENDPOINT_URL_SSM`).
   */
  stage?: string;
  /**
   * Send `Object Created` for every object stored in the uploads bucket, as S3 with EventBridge
   * notifications does (s3rver reports each stored object; the test need not post the event).
   */
  s3Events?: boolean;
  /**
   * At most this many containers per function; further invocations wait for a free one (as
   * Lambda holds back events past a function's reserved concurrency), so thousands of batches
   * do not load thousands of module instances in this one process. Default: no limit.
   */
  maxContainers?: number;
}

/** A running {@link startLocalCloud}. */
export interface LocalCloud {
  /** The environment a stage's functions (and the CLI) get: endpoints, credentials, and the CDS_* settings. */
  env: Record<string, string>;
  /** The state table's name. */
  tableName: string;
  /** The SSM endpoint of a cloud started with `stage`. */
  ssm?: FakeSsm;
  eventBridge: FakeEventBridge;
  lambda: FakeLambda;
  ses: FakeSes;
  /** Test-side clients (their own, not the entries'). */
  s3: S3Client;
  sqs: SQSClient;
  /** The state store over the stage's table, for the test to read and to add subscriptions. */
  state: StateStore;
  queueUrls: { webhooks: string; webhookDeadLetters: string };
  /** Every event the bus accepted, in order. */
  events: RoutedEvent[];
  /** Every function run, retries included, in start order. */
  runs: FunctionRun[];
  /** Records of invocations that gave up with no on-failure function (notify, sweeper, on-failure itself). */
  undeliverable: DestinationRecord[];
  /** Plugs the Lambda entries in; until then nothing is run. */
  deploy(load: EntryLoader): void;
  /** Containers started so far for a function (its cold starts). */
  containers(fn: FunctionKey): number;
  /** Runs later invocations of `fn`, in whichever container, through `wrap(handler)`, e.g. to make some fail; the returned function undoes it. */
  wrap(fn: FunctionKey, wrap: (handler: LambdaHandler) => LambdaHandler): () => void;
  /** Resolves once no event, invocation or queued webhook message is in flight. */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the local cloud: s3rver (a child process) with the three buckets, dynalite with the
 * state table, local-aws-sqs with the webhook queue (redriving to its dead-letter queue after 5
 * receives, as the stack does), and the fakes of EventBridge, Lambda and SES. `env` holds what
 * the entries read; set it on `process.env` before importing them.
 *
 * @example
 * const cloud = await startLocalCloud(await tempDir());
 * Object.assign(process.env, cloud.env);
 * cloud.deploy(lambdaEntries);
 */
export async function startLocalCloud(s3Directory: string, options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const closers: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    return await start(s3Directory, options, closers, close);
  } catch (error) {
    await close();
    throw error;
  }
}

async function start(s3Directory: string, options: LocalCloudOptions, closers: (() => Promise<void> | void)[], close: () => Promise<void>): Promise<LocalCloud> {
  const table = options.stage ? stageStateTableName(options.stage) : cloudNames.table;
  const runner = new FunctionRunner(options.maxContainers);
  const events: RoutedEvent[] = [];
  // With s3Events, each object s3rver stores in the uploads bucket becomes an S3 notification,
  // turned into `Object Created` once the bus is up (below).
  let notify: (record: S3NotificationRecord) => void = () => undefined;
  const { s3rver, s3 } = await startBuckets(s3Directory, options.s3Events ? (record) => notify(record) : undefined, closers);
  const { dynamo, state } = await startStateTable(table, closers);
  const { sqs, sqsEndpoint, queueUrls } = await startWebhookQueues(closers);
  const { eventBridge, acceptEntries } = await startEventBus(runner, events, closers);
  notify = (record) => {
    if (record.s3.bucket.name !== cloudNames.buckets.uploads || !record.eventName.startsWith("ObjectCreated:") || runner.closing) return;
    acceptEntries({ Entries: [objectCreatedEntry(record)] });
  };
  const ssm = options.stage ? await startStageParameters(options.stage, closers) : undefined;
  const lambda = await startLambda(runner, closers);
  const ses = await startFakeSes();
  closers.push(() => ses.close());
  pollWebhookQueue(sqs, queueUrls.webhooks, runner, closers);
  const endpoints = { s3: s3rver.endpoint, dynamodb: dynamo.endpoint, sqs: sqsEndpoint, eventBridge: eventBridge.endpoint, lambda: lambda.endpoint, ses: ses.endpoint, ssm: ssm?.endpoint };
  return {
    env: cloudEnvironment(table, endpoints, queueUrls),
    tableName: table,
    ...(ssm ? { ssm } : {}),
    eventBridge,
    lambda,
    ses,
    s3,
    sqs,
    state,
    queueUrls,
    events,
    runs: runner.runs,
    undeliverable: runner.undeliverable,
    deploy: (loader) => runner.deploy(loader),
    containers: (fn) => runner.containers(fn),
    wrap: (fn, wrap) => runner.wrap(fn, wrap),
    idle: (timeoutMs) => untilIdle(runner, sqs, queueUrls.webhooks, timeoutMs),
    async close() {
      runner.closing = true;
      const deadline = Date.now() + 10_000;
      while (runner.inFlight > 0 && Date.now() < deadline) await sleep(20);
      await close();
    },
  };
}

/** Credentials every local service accepts (s3rver checks them; the others ignore them). */
const CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/**
 * The Lambda service of the local cloud: containers per function, asynchronous invocation (two
 * retries, then the on-failure destination), and a count of the work in flight for `idle()`.
 */
class FunctionRunner {
  readonly runs: FunctionRun[] = [];
  readonly undeliverable: DestinationRecord[] = [];
  inFlight = 0;
  /** Set by close(): nothing new is started. */
  closing = false;
  private load: EntryLoader | undefined;
  private readonly maxContainers: number;
  private readonly pools = new Map<FunctionKey, { handler: Promise<LambdaHandler>; busy: boolean }[]>();
  private readonly wrappers = new Map<FunctionKey, (handler: LambdaHandler) => LambdaHandler>();
  private readonly waiting = new Map<FunctionKey, (() => void)[]>();

  constructor(maxContainers = Infinity) {
    this.maxContainers = maxContainers;
  }

  deploy(load: EntryLoader): void {
    this.load = load;
  }

  get deployed(): boolean {
    return this.load !== undefined;
  }

  containers(fn: FunctionKey): number {
    return this.pools.get(fn)?.length ?? 0;
  }

  wrap(fn: FunctionKey, wrap: (handler: LambdaHandler) => LambdaHandler): () => void {
    this.wrappers.set(fn, wrap);
    return () => this.wrappers.delete(fn);
  }

  /** Runs `work` in the background, counted as in flight until it settles. */
  background(work: () => Promise<void>): void {
    this.inFlight++;
    setImmediate(() => {
      work()
        .catch((error: unknown) => console.error("local cloud:", error))
        .finally(() => this.inFlight--);
    });
  }

  /** One invocation in an idle container of `fn`, or in a new one (a cold start), or, at `maxContainers`, in the next to be free. */
  async runInContainer(fn: FunctionKey, payload: unknown): Promise<unknown> {
    const load = this.load;
    if (!load) throw new Error("nothing deployed yet");
    const pool = this.pools.get(fn) ?? [];
    this.pools.set(fn, pool);
    let container = pool.find((c) => !c.busy);
    while (!container && pool.length >= this.maxContainers) {
      await new Promise<void>((resolve) => this.waiting.set(fn, [...(this.waiting.get(fn) ?? []), resolve]));
      container = pool.find((c) => !c.busy);
    }
    if (!container) pool.push((container = { handler: load(fn, pool.length + 1), busy: false }));
    container.busy = true;
    try {
      const handler = await container.handler;
      const wrapped = this.wrappers.get(fn)?.(handler) ?? handler;
      // Each run gets its own copy, as each Lambda invocation deserialises the payload anew.
      return await wrapped(structuredClone(payload) as never);
    } finally {
      container.busy = false;
      this.waiting.get(fn)?.shift()?.();
    }
  }

  /** Lambda's asynchronous invocation: the run, two retries, then the destination record. */
  async invokeAsync(fn: FunctionKey, payload: unknown): Promise<void> {
    let error: unknown;
    for (let attempt = 1; attempt <= ASYNC_ATTEMPTS; attempt++) {
      if (attempt > 1) await sleep(RETRY_DELAY_MS);
      const run: FunctionRun = { fn, attempt, payload };
      this.runs.push(run);
      try {
        await this.runInContainer(fn, payload);
        return;
      } catch (thrown) {
        error = thrown;
        run.error = thrown instanceof Error ? thrown.message : String(thrown);
      }
    }
    const record = destinationRecord(fn, payload, error);
    if (FAILS_ITS_SEARCH.has(fn)) await this.invokeAsync("on-failure", record);
    else this.undeliverable.push(record);
  }
}

/** S3: s3rver, with the buckets created over the S3 API (its child script configures the uploads one). */
async function startBuckets(s3Directory: string, onEvent: ((record: S3NotificationRecord) => void) | undefined, closers: (() => Promise<void> | void)[]) {
  const { buckets, region } = cloudNames;
  const s3rver = await startS3rver(s3Directory, buckets.uploads, onEvent);
  closers.push(() => s3rver.stop());
  const s3 = new S3Client({ endpoint: s3rver.endpoint, region, forcePathStyle: true, credentials: CREDENTIALS });
  closers.push(() => s3.destroy());
  for (const bucket of [buckets.library, buckets.results]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return { s3rver, s3 };
}

/** DynamoDB: dynalite, with the state table. */
async function startStateTable(table: string, closers: (() => Promise<void> | void)[]) {
  const dynamo: RunningDynalite = await startDynalite();
  closers.push(() => dynamo.stop());
  const documents: DynamoDBDocumentClient = createDocumentClient({ endpoint: dynamo.endpoint, region: cloudNames.region });
  closers.push(() => documents.destroy());
  await ensureStateTable(documents, stateTableLayout({ tableName: table }));
  return { dynamo, state: createStateStore({ client: documents, table: { tableName: table } }) };
}

/** SQS: local-aws-sqs (JSON protocol), the webhook queue and its dead-letter queue (after 5 receives, as the stack does). */
async function startWebhookQueues(closers: (() => Promise<void> | void)[]) {
  const { account, region } = cloudNames;
  const sqsServer: Server = await createSqsServer({ port: 0, hostname: "127.0.0.1", region, accountId: account, emulateQueueCreationLifecycle: false });
  closers.push(() => new Promise<void>((resolve) => (sqsServer.close(() => resolve()), sqsServer.closeAllConnections())));
  const sqsEndpoint = `http://127.0.0.1:${(sqsServer.address() as AddressInfo).port}`;
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region, credentials: CREDENTIALS });
  closers.push(() => sqs.destroy());
  const deadLetters = await sqs.send(new CreateQueueCommand({ QueueName: cloudNames.webhookDeadLetters }));
  const webhooks = await sqs.send(
    new CreateQueueCommand({
      QueueName: cloudNames.webhookQueue,
      Attributes: {
        VisibilityTimeout: "60",
        RedrivePolicy: JSON.stringify({ maxReceiveCount: 5, deadLetterTargetArn: `arn:aws:sqs:${region}:${account}:${cloudNames.webhookDeadLetters}` }),
      },
    }),
  );
  return { sqs, sqsEndpoint, queueUrls: { webhooks: webhooks.QueueUrl!, webhookDeadLetters: deadLetters.QueueUrl! } };
}

/**
 * EventBridge: PutEvents entries are accepted, answered, then routed through the project's
 * rules to their targets, asynchronously (as EventBridge invokes Lambda targets).
 */
async function startEventBus(runner: FunctionRunner, events: RoutedEvent[], closers: (() => Promise<void> | void)[]) {
  const rules: readonly EventRule[] = eventRules({ uploadBucketName: cloudNames.buckets.uploads });
  const busOf = (entry: PutEventsWireEntry) => entry.EventBusName ?? "default";
  const acceptEntries = (request: { Entries: PutEventsWireEntry[] }) => {
    const unknown = request.Entries.find((entry) => busOf(entry) !== "default" && busOf(entry) !== cloudNames.bus);
    if (unknown) return awsError(400, "ResourceNotFoundException", `Event bus ${busOf(unknown)} does not exist.`);
    const accepted = request.Entries.map((entry) => {
      const event = eventOfEntry(entry, randomUUID());
      const ruleBus = busOf(entry) === "default" ? "default" : "search";
      const targets = rules.filter((rule) => rule.bus === ruleBus && matchesPattern(rule.pattern, event)).map((rule) => rule.target);
      events.push({ busName: busOf(entry), event, targets });
      for (const target of targets) if (!runner.closing) runner.background(() => runner.invokeAsync(target, event));
      return { EventId: event.id };
    });
    return { Entries: accepted };
  };
  const eventBridge = await startFakeEventBridge(acceptEntries);
  closers.push(() => eventBridge.close());
  return { eventBridge, acceptEntries };
}

/** SSM: the parameters SST writes for a stage's buckets, which `--stage` reads. */
async function startStageParameters(stage: string, closers: (() => Promise<void> | void)[]): Promise<FakeSsm> {
  const { buckets } = cloudNames;
  const ssm = await startFakeSsm({
    [stageBucketParameter(stage, "uploads")]: buckets.uploads,
    [stageBucketParameter(stage, "library")]: buckets.library,
    [stageBucketParameter(stage, "results")]: buckets.results,
  });
  closers.push(() => ssm.close());
  return ssm;
}

/** Lambda: `Event` invokes of deployed functions are queued (202) and run in the background. */
async function startLambda(runner: FunctionRunner, closers: (() => Promise<void> | void)[]): Promise<FakeLambda> {
  const { account, region } = cloudNames;
  const byDeployedName = new Map(Object.entries(deployedFunctionNames).map(([fn, name]) => [name, fn as FunctionKey]));
  const lambda = await startFakeLambda((request) => {
    const fn = byDeployedName.get(request.functionName);
    if (!fn) return awsError(404, "ResourceNotFoundException", `Function not found: arn:aws:lambda:${region}:${account}:function:${request.functionName}`);
    if (request.invocationType !== "Event") return awsError(400, "InvalidParameterValueException", `this local Lambda runs only Event invocations, not ${request.invocationType}`);
    if (!runner.closing) runner.background(() => runner.invokeAsync(fn, request.payload));
    return {};
  });
  closers.push(() => lambda.close());
  return lambda;
}

/**
 * The SQS event source of webhook delivery: receive (short polls), hand the batch to the
 * function, delete what it did not report as failed. Reported ones come back after the
 * visibility timeout (and, after 5 receives, go to the dead-letter queue).
 */
function pollWebhookQueue(sqs: SQSClient, queueUrl: string, runner: FunctionRunner, closers: (() => Promise<void> | void)[]): void {
  let polling = true;
  const poller = (async () => {
    while (polling) {
      let received;
      try {
        received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ["All"] }));
      } catch (error) {
        if (polling) console.error("local cloud: webhook queue poll failed:", error);
        await sleep(50);
        continue;
      }
      const messages = received.Messages ?? [];
      if (messages.length === 0 || !runner.deployed) {
        await sleep(25);
        continue;
      }
      runner.inFlight++;
      try {
        await deliverWebhookBatch(sqs, queueUrl, runner, messages);
      } finally {
        runner.inFlight--;
      }
    }
  })();
  closers.push(async () => {
    polling = false;
    await poller;
  });
}

/** One received batch through the webhook-delivery function, as the SQS event source hands it over. */
async function deliverWebhookBatch(sqs: SQSClient, queueUrl: string, runner: FunctionRunner, messages: Message[]): Promise<void> {
  const { account, region } = cloudNames;
  try {
    const event = {
      Records: messages.map((m) => ({
        messageId: m.MessageId!,
        receiptHandle: m.ReceiptHandle!,
        body: m.Body ?? "",
        attributes: { ...m.Attributes, ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? "1" },
        messageAttributes: {},
        md5OfBody: m.MD5OfBody,
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:${region}:${account}:${cloudNames.webhookQueue}`,
        awsRegion: region,
      })),
    };
    runner.runs.push({ fn: "webhook-delivery", attempt: 1, payload: event });
    const reply = (await runner.runInContainer("webhook-delivery", event)) as { batchItemFailures?: { itemIdentifier: string }[] } | undefined;
    const failed = new Set((reply?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const done = messages.filter((m) => !failed.has(m.MessageId!));
    if (done.length > 0) {
      await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  } catch (error) {
    // A function error fails the whole batch: every message comes back.
    runner.runs.push({ fn: "webhook-delivery", attempt: 1, payload: undefined, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Resolves once no event, invocation or queued webhook message is in flight. */
async function untilIdle(runner: FunctionRunner, sqs: SQSClient, queueUrl: string, timeoutMs = 30_000): Promise<void> {
  const queueIsEmpty = async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"],
      }),
    );
    return Object.values(Attributes ?? {}).every((n) => Number(n) === 0);
  };
  const deadline = Date.now() + timeoutMs;
  // Quiet twice in a row, with the queue checked in between: a webhook message sent by the
  // last function to finish is seen by then.
  let quiet = 0;
  while (quiet < 2) {
    if (Date.now() > deadline) throw new Error(`the local cloud was still busy after ${timeoutMs} ms (${runner.inFlight} in flight)`);
    quiet = runner.inFlight === 0 && (await queueIsEmpty()) && runner.inFlight === 0 ? quiet + 1 : 0;
    await sleep(20);
  }
}

/** The environment the entries (and the CLI) read: endpoints, credentials, and the CDS_* settings. */
function cloudEnvironment(
  table: string,
  endpoints: { s3: string; dynamodb: string; sqs: string; eventBridge: string; lambda: string; ses: string; ssm?: string },
  queueUrls: { webhooks: string; webhookDeadLetters: string },
): Record<string, string> {
  const { buckets } = cloudNames;
  return {
    // The entries' JSON logs and EMF metrics (observability.ts) would be thousands of stdout lines
    // per search here: warnings and errors only, no metrics, unless the caller's environment asks.
    LOG_LEVEL: process.env.LOG_LEVEL ?? "WARN",
    POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? "true",
    AWS_REGION: cloudNames.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge,
    AWS_ENDPOINT_URL_LAMBDA: endpoints.lambda,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    ...(endpoints.ssm ? { AWS_ENDPOINT_URL_SSM: endpoints.ssm } : {}),
    CDS_S3_FORCE_PATH_STYLE: "1",
    CDS_UPLOADS_BUCKET: buckets.uploads,
    CDS_LIBRARY_BUCKET: buckets.library,
    CDS_RESULTS_BUCKET: buckets.results,
    CDS_STATE_TABLE: table,
    CDS_EVENT_BUS: cloudNames.bus,
    CDS_DISPATCH_NODE_FUNCTION: deployedFunctionNames["dispatch-node"],
    CDS_WORKER_FUNCTION: deployedFunctionNames.worker,
    CDS_WEBHOOK_QUEUE_URL: queueUrls.webhooks,
    CDS_WEBHOOK_DLQ_URL: queueUrls.webhookDeadLetters,
    CDS_EMAIL_FROM: cloudNames.emailFrom,
  };
}

function destinationRecord(fn: FunctionKey, payload: unknown, error: unknown): DestinationRecord {
  const e = error instanceof Error ? error : new Error(String(error));
  return {
    version: "1.0",
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${cloudNames.region}:${cloudNames.account}:function:${deployedFunctionNames[fn]}:$LATEST`,
      condition: "RetriesExhausted",
      approximateInvokeCount: ASYNC_ATTEMPTS,
    },
    requestPayload: payload,
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    responsePayload: { errorMessage: e.message, errorType: e.name },
  };
}

const ENTRY_FOLDER = new URL("../../packages/aws/src/lambda/", import.meta.url);

/**
 * Loads the entry `packages/aws/src/lambda/<fn>.ts` as a new module instance for container
 * `container`, as a deployment loads its handler. Use it only once the environment is set:
 * the entries build their clients on first use, from `process.env`.
 *
 * @example
 * cloud.deploy(lambdaEntries);
 */
export const lambdaEntries: EntryLoader = async (fn, container) => {
  const url = `${new URL(`${fn}.ts`, ENTRY_FOLDER).href}?container=${container}`;
  const entry = (await import(/* @vite-ignore */ url)) as { handler?: unknown };
  if (typeof entry.handler !== "function") throw new Error(`${url} exports no handler function`);
  return entry.handler as LambdaHandler;
};

/** The entry S3 puts on the default bus for a stored object (EventBridge notifications: `Object Created`). */
function objectCreatedEntry(record: S3NotificationRecord): PutEventsWireEntry {
  const { bucket, object } = record.s3;
  const detail = {
    version: "0",
    bucket: { name: bucket.name },
    object: { key: object.key, size: object.size ?? 0, ...(object.eTag ? { etag: object.eTag } : {}), sequencer: object.sequencer },
    "request-id": randomUUID(),
    requester: cloudNames.account,
    reason: record.eventName === "ObjectCreated:Post" ? "CompleteMultipartUpload" : "PutObject",
  };
  return { Source: "aws.s3", DetailType: "Object Created", Resources: [`arn:aws:s3:::${bucket.name}`], Detail: JSON.stringify(detail) };
}
