import { Duration } from "aws-cdk-lib";
import { Role, ServicePrincipal, type PolicyStatement } from "aws-cdk-lib/aws-iam";
import { ApplicationLogLevel, LoggingFormat, SystemLogLevel, type IDestination } from "aws-cdk-lib/aws-lambda";
import { LambdaDestination, SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { EmailIdentity, Identity } from "aws-cdk-lib/aws-ses";
import { QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { functionNames } from "@cds/functions";
import { Function, Queue, use } from "sst/constructs";
import type { StackContext } from "sst/constructs";
import { concurrencyPlan, WEBHOOK_MAX_CONCURRENCY } from "./concurrency.ts";
import { emailSettings } from "./email-settings.ts";
import { invokeFunctions, putEvents, readObjects, sendEmail, sendMessages, useStateTable, writeLogs, writeObjects } from "./policy-statements.ts";
import { lambdaFunctionArn, metricsNamespace, pipelineFunctionName, searchBusArn, searchBusName } from "./resource-names.ts";
import { stageLifetime } from "./stage-lifetime.ts";
import { State } from "./State.ts";
import { Storage } from "./Storage.ts";

/** Folder of the Lambda entries; each `<entry>.ts` exports `handler`. */
export const LAMBDA_ENTRY_DIR = "packages/aws/src/lambda";

/** Every Lambda entry the pipeline deploys, by file name. */
export const lambdaEntries = [
  "intake",
  "admission",
  "dispatch-node",
  "worker",
  "combiner",
  "submission-tracking",
  "notify",
  "webhook-delivery",
  "sweeper",
  "on-failure",
] as const;

/** A Lambda entry's file name. */
export type LambdaEntry = (typeof lambdaEntries)[number];

/** The environment variables the entries read (packages/aws/src/lambda/*-from-env.ts). */
type Setting =
  | "CDS_UPLOADS_BUCKET"
  | "CDS_LIBRARY_BUCKET"
  | "CDS_RESULTS_BUCKET"
  | "CDS_STATE_TABLE"
  | "CDS_EVENT_BUS"
  | "CDS_DISPATCH_NODE_FUNCTION"
  | "CDS_WORKER_FUNCTION"
  | "CDS_WEBHOOK_QUEUE_URL"
  | "CDS_WEBHOOK_DLQ_URL"
  | "CDS_EMAIL_FROM"
  | "CDS_NOTIFY_EMAIL"
  | "CDS_RESULTS_BASE_URL"
  | "CDS_MAX_RUNNING"
  | "CDS_WORKER_BUDGET";

/**
 * The level of the functions' application logs: Lambda's log filter (JSON format) and
 * Powertools' `LOG_LEVEL` agree on it, so neither drops what the other keeps.
 */
export const LOG_LEVEL = "INFO";

/**
 * Memory (MB) and timeout (s) of each function. Lambda gives CPU in proportion to memory (one
 * full vCPU at 1,769 MB), and a cold start's import of the bundle (0.8-1.7 MB of minified JS,
 * ~100-150 ms on a full core: `npm run bench:cold-start`) is CPU-bound too.
 *
 * - worker: 1,769 MB, one full vCPU. Once its shard is in memory a batch is CPU-bound: 100
 *   targets at ~0.24 ms each, plus the mask decoded and prepared once per container (~50 ms for
 *   a big one); with the ~21 MB shard GET a batch takes about a second. Below a full vCPU the
 *   batch takes proportionally longer for the same GB-seconds, so less memory saves nothing and
 *   slows the search. 30 s is ~30x a batch, yet a hung one still leaves room for Lambda's two
 *   retries and the sweeper's re-run within the 400 s search deadline.
 * - combiner, sweeper (which combines searches past their deadline): a full vCPU to decode the
 *   mask and the shown matches' images and render the page; 2 minutes, once per search.
 * - intake (decodes one mask), admission and dispatch-node (on the critical path of the fan-out:
 *   each tree level is a cold start plus dozens of signed Invoke calls): 1,024 MB; a tree node
 *   invoking its children in parallel needs seconds, 60 s leaves margin.
 * - submission-tracking: a few state reads and writes per finished search, and the summary
 *   (JSON and CSV) after a submission's last: 1,024 MB, 30 s.
 * - notify, webhook-delivery, on-failure: a few AWS calls or one webhook POST (10 s timeout)
 *   per message. 256 MB would hold them, but its ~1/7 vCPU would stretch each (usually cold)
 *   start's import to most of a second; they run a few times per search, so 512 MB costs nothing.
 *
 * Reserved concurrency, and the worker budget that stands in for one: stacks/concurrency.ts.
 */
export const functionSizing = {
  intake: { memorySize: 1024, timeout: 30 },
  admission: { memorySize: 1024, timeout: 30 },
  "dispatch-node": { memorySize: 1024, timeout: 60 },
  worker: { memorySize: 1769, timeout: 30 },
  combiner: { memorySize: 1769, timeout: 120 },
  "submission-tracking": { memorySize: 1024, timeout: 30 },
  notify: { memorySize: 512, timeout: 30 },
  "webhook-delivery": { memorySize: 512, timeout: 30 },
  sweeper: { memorySize: 1769, timeout: 120 },
  "on-failure": { memorySize: 512, timeout: 30 },
} as const satisfies Record<LambdaEntry, { memorySize: number; timeout: number }>;

/** The search deadline (sweeper default): an invocation of the dispatch tree older than this is moot. */
const SEARCH_DEADLINE = Duration.seconds(400);

/** Lambda retries a failed asynchronous invocation twice, then hands it to the on-failure destination. */
const ASYNC_RETRY_ATTEMPTS = 2;

/** SQS redelivers a webhook message whose handling threw this many times, then dead-letters it. */
export const WEBHOOK_MAX_RECEIVE_COUNT = 5;

/**
 * The pipeline's functions (one per Lambda entry), the webhook delivery queue, the queue of
 * invocations that failed for good, and the SES sender identity. The rules that route events to
 * these functions are in the Events stack.
 *
 * @example
 * const { functions } = use(Pipeline);
 */
export function Pipeline({ stack, app }: StackContext) {
  const { uploadsBucket, libraryBucket, resultsBucket } = use(Storage);
  const { table, indexNames } = use(State);
  const { isProduction, removalPolicy } = stageLifetime(app);
  // Checked against the account's quota before anything is built (stacks/concurrency.ts).
  const concurrency = concurrencyPlan();

  stack.setDefaultFunctionProps({
    runtime: "nodejs22.x",
    architecture: "arm_64",
    // No X-Ray: the code carries no tracing SDK, and active tracing needs `xray:Put*` on `*`.
    tracing: "disabled",
    nodejs: { format: "esm", minify: true },
  });

  const queueDefaults = { enforceSSL: true, encryption: QueueEncryption.SQS_MANAGED, removalPolicy } as const;

  // Invocation records of functions whose failure fails no search (notify, sweeper, on-failure
  // itself): kept 14 days for a person to read.
  const failedInvocations = new Queue(stack, "FailedInvocations", {
    cdk: { queue: { ...queueDefaults, retentionPeriod: Duration.days(14) } },
  });

  const webhookDeadLetters = new Queue(stack, "WebhookDeadLetters", {
    cdk: { queue: { ...queueDefaults, retentionPeriod: Duration.days(14) } },
  });
  const webhookQueue = new Queue(stack, "WebhookDeliveries", {
    cdk: {
      queue: {
        ...queueDefaults,
        // Lambda's rule for SQS event sources: at least 6x the consumer's timeout, so a message
        // is not handed out again while a slow (retried, throttled) batch still holds it.
        visibilityTimeout: Duration.seconds(6 * functionSizing["webhook-delivery"].timeout),
        deadLetterQueue: { queue: webhookDeadLetters.cdk.queue, maxReceiveCount: WEBHOOK_MAX_RECEIVE_COUNT },
      },
    },
  });

  const email = emailSettings();
  const senderIdentityArn = email && senderIdentity(email.identity, email.identityExists);

  const dispatchNodeName = pipelineFunctionName(app, functionNames.dispatchNode);
  const workerName = pipelineFunctionName(app, functionNames.worker);
  const dispatchNodeArn = lambdaFunctionArn(stack, dispatchNodeName);
  const workerArn = lambdaFunctionArn(stack, workerName);
  const busArn = searchBusArn(stack, app);

  const settings = {
    uploads: { CDS_UPLOADS_BUCKET: uploadsBucket.bucketName },
    library: { CDS_LIBRARY_BUCKET: libraryBucket.bucketName },
    results: { CDS_RESULTS_BUCKET: resultsBucket.bucketName },
    state: { CDS_STATE_TABLE: table.tableName },
    bus: { CDS_EVENT_BUS: searchBusName(app) },
    invoker: { CDS_DISPATCH_NODE_FUNCTION: dispatchNodeName, CDS_WORKER_FUNCTION: workerName },
    // Admission: workers in flight at once (`CDS_WORKER_BUDGET` in `.env.<stage>`, default 800,
    // checked against the account's quota); searches running at once where still set.
    admission: {
      CDS_WORKER_BUDGET: String(concurrency.workerBudget),
      ...(process.env.CDS_MAX_RUNNING ? { CDS_MAX_RUNNING: process.env.CDS_MAX_RUNNING } : {}),
    },
  } satisfies Record<string, Partial<Record<Setting, string>>>;
  const access = {
    readUploads: readObjects(uploadsBucket),
    readLibrary: readObjects(libraryBucket),
    readResults: readObjects(resultsBucket),
    writeResults: writeObjects(resultsBucket),
    state: useStateTable(table, indexNames),
    putEvents: putEvents(busArn),
  };

  const logRetention = isProduction ? RetentionDays.THREE_MONTHS : RetentionDays.TWO_WEEKS;

  // Powertools' logger and metrics (packages/aws/src/lambda/observability.ts): one service, the
  // function as the `phase` key and dimension, metrics in the stage's own namespace.
  const observability = {
    POWERTOOLS_SERVICE_NAME: app.name,
    POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(app),
    LOG_LEVEL,
  };

  function pipelineFunction(
    id: string,
    entry: LambdaEntry,
    props: {
      functionName?: string;
      environment: Partial<Record<Setting, string>>;
      permissions: PolicyStatement[];
      /** Asynchronous invocation: what happens after Lambda's last retry, and how old an event may get. */
      async?: { onFailure: IDestination; maxEventAge: Duration };
    },
  ): Function {
    const functionName = props.functionName ?? pipelineFunctionName(app, entry);
    const logGroup = new LogGroup(stack, `${id}Logs`, { logGroupName: `/aws/lambda/${functionName}`, retention: logRetention, removalPolicy });
    // A role of our own: CDK's default one carries AWSLambdaBasicExecutionRole (any log group).
    const role = new Role(stack, `${id}Role`, { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    return new Function(stack, id, {
      handler: `${LAMBDA_ENTRY_DIR}/${entry}.handler`,
      functionName,
      ...functionSizing[entry],
      reservedConcurrentExecutions: concurrency.reserved[entry],
      environment: { ...props.environment, ...observability },
      role,
      logGroup,
      // JSON lines from Lambda itself too (START/END/REPORT, uncaught errors), filtered at the
      // same level as the application's; Powertools' lines pass through as written.
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[LOG_LEVEL],
      systemLogLevelV2: SystemLogLevel.INFO,
      // Explicit statements only: no `bind`, which would add `s3:*`-style grants.
      permissions: [...writeLogs(logGroup), ...props.permissions],
      ...(props.async ? { retryAttempts: ASYNC_RETRY_ATTEMPTS, maxEventAge: props.async.maxEventAge, onFailure: props.async.onFailure } : {}),
    });
  }

  // Where an asynchronous invocation goes after its last retry. Intake, admission, the dispatch
  // tree, the combiner and submission tracking hand theirs to the on-failure function, which fails the search (or
  // reports the batch), so no search waits for work that will never come; the others' records
  // wait in a queue for a person.
  const otherwiseQueued = (maxEventAge: Duration) => ({ onFailure: new SqsDestination(failedInvocations.cdk.queue), maxEventAge });
  const onFailure = pipelineFunction("OnFailure", "on-failure", {
    environment: { ...settings.state, ...settings.bus },
    permissions: [...access.state, ...access.putEvents],
    async: otherwiseQueued(Duration.hours(6)),
  });
  const failsItsSearch = (maxEventAge: Duration) => ({ onFailure: new LambdaDestination(onFailure), maxEventAge });

  const intake = pipelineFunction("Intake", "intake", {
    environment: { ...settings.uploads, ...settings.library, ...settings.state, ...settings.bus },
    permissions: [...access.readUploads, ...access.readLibrary, ...access.state, ...access.putEvents],
    async: failsItsSearch(Duration.hours(1)),
  });

  const admission = pipelineFunction("Admission", "admission", {
    environment: { ...settings.library, ...settings.state, ...settings.bus, ...settings.invoker, ...settings.admission },
    // Starts the root node of each admitted search's dispatch tree.
    permissions: [...access.readLibrary, ...access.state, ...access.putEvents, ...invokeFunctions([dispatchNodeArn])],
    async: failsItsSearch(Duration.hours(1)),
  });

  const dispatchNode = pipelineFunction("DispatchNode", "dispatch-node", {
    functionName: dispatchNodeName,
    environment: { ...settings.library, ...settings.state, ...settings.invoker },
    // A leaf reads the shard pages of its batches and records when it started them. It invokes
    // itself (child nodes) and the workers, by name: a reference to its own ARN would be a cycle.
    permissions: [...access.readLibrary, ...access.state, ...invokeFunctions([dispatchNodeArn, workerArn])],
    async: failsItsSearch(SEARCH_DEADLINE),
  });

  const worker = pipelineFunction("Worker", "worker", {
    functionName: workerName,
    environment: { ...settings.uploads, ...settings.library, ...settings.state, ...settings.bus, ...settings.invoker },
    // The worker that completes a leaf starts the next wave's leaf node.
    permissions: [...access.readUploads, ...access.readLibrary, ...access.state, ...access.putEvents, ...invokeFunctions([dispatchNodeArn])],
    async: failsItsSearch(SEARCH_DEADLINE),
  });

  const combiner = pipelineFunction("Combiner", "combiner", {
    environment: { ...settings.uploads, ...settings.library, ...settings.results, ...settings.state, ...settings.bus },
    permissions: [...access.readUploads, ...access.readLibrary, ...access.writeResults, ...access.state, ...access.putEvents],
    async: failsItsSearch(Duration.hours(1)),
  });

  const submissionTracking = pipelineFunction("SubmissionTracking", "submission-tracking", {
    environment: { ...settings.results, ...settings.state, ...settings.bus },
    // Reads a completed search's results document (its top matches go in the summary) and
    // writes a finished submission's summary (JSON and CSV).
    permissions: [...access.readResults, ...access.writeResults, ...access.state, ...access.putEvents],
    // Its on-failure record names no stage to fail (the search already ended): it is logged.
    async: failsItsSearch(Duration.hours(1)),
  });

  const notify = pipelineFunction("Notify", "notify", {
    environment: {
      ...settings.state,
      CDS_WEBHOOK_QUEUE_URL: webhookQueue.queueUrl,
      ...(email ? { CDS_EMAIL_FROM: email.from } : {}),
      ...(email?.defaultRecipient ? { CDS_NOTIFY_EMAIL: email.defaultRecipient } : {}),
      ...(email?.resultsBaseUrl ? { CDS_RESULTS_BASE_URL: email.resultsBaseUrl } : {}),
    },
    permissions: [...access.state, ...sendMessages([webhookQueue]), ...(senderIdentityArn ? sendEmail(senderIdentityArn) : [])],
    async: otherwiseQueued(Duration.hours(6)),
  });

  const webhookDelivery = pipelineFunction("WebhookDelivery", "webhook-delivery", {
    environment: { ...settings.state, CDS_WEBHOOK_QUEUE_URL: webhookQueue.queueUrl, CDS_WEBHOOK_DLQ_URL: webhookDeadLetters.queueUrl },
    // Retries go back on the queue with their backoff delay; exhausted deliveries to the DLQ.
    // Receiving and deleting come with the event source below.
    permissions: [...access.state, ...sendMessages([webhookQueue, webhookDeadLetters])],
  });
  webhookQueue.addConsumer(stack, {
    function: webhookDelivery,
    // At most WEBHOOK_MAX_CONCURRENCY deliveries at once: webhook-delivery's share of the
    // unreserved pool, without the reservation that would throttle the poller (stacks/concurrency.ts).
    cdk: { eventSource: { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: WEBHOOK_MAX_CONCURRENCY } },
  });

  const sweeper = pipelineFunction("Sweeper", "sweeper", {
    environment: { ...settings.uploads, ...settings.library, ...settings.results, ...settings.state, ...settings.bus, ...settings.invoker, ...settings.admission },
    // Re-dispatches missing batches (through their leaf nodes), starts admitted searches
    // whose admitter died (dispatch tree roots), and combines overdue searches as the combiner does.
    permissions: [
      ...access.readUploads,
      ...access.readLibrary,
      ...access.writeResults,
      ...access.state,
      ...access.putEvents,
      ...invokeFunctions([dispatchNodeArn]),
    ],
    // A sweep is repeated every minute anyway: an old one is worth nothing.
    async: otherwiseQueued(Duration.minutes(2)),
  });

  stack.addOutputs({
    WebhookQueueUrl: webhookQueue.queueUrl,
    WebhookDeadLetterQueueUrl: webhookDeadLetters.queueUrl,
    FailedInvocationsQueueUrl: failedInvocations.queueUrl,
  });

  const functions: Record<LambdaEntry, Function> = {
    intake,
    admission,
    "dispatch-node": dispatchNode,
    worker,
    combiner,
    "submission-tracking": submissionTracking,
    notify,
    "webhook-delivery": webhookDelivery,
    sweeper,
    "on-failure": onFailure,
  };
  return { functions, webhookQueue, webhookDeadLetters, failedInvocations, senderIdentityArn, concurrency };

  function senderIdentity(identity: string, exists: boolean): string {
    if (exists) return stack.formatArn({ service: "ses", resource: "identity", resourceName: identity });
    const created = new EmailIdentity(stack, "Sender", { identity: identity.includes("@") ? Identity.email(identity) : Identity.domain(identity) });
    created.applyRemovalPolicy(removalPolicy);
    return created.emailIdentityArn;
  }
}
