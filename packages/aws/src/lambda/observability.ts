import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { telemetryMetrics, type Telemetry } from "@cds/core/ports";
import type { RetryMetricNames } from "../sdk-retry-metrics.ts";
import { once, optionalSetting } from "./settings.ts";

// Structured JSON logs and embedded-metric-format metrics for the Lambda entries, through
// Powertools for AWS Lambda. Both write JSON lines straight to stdout (their own Console, past the
// runtime's console patch), which CloudWatch Logs keeps as they are and, for the metrics, turns
// into CloudWatch metrics: no `cloudwatch:PutMetricData`, no extra call on the critical path.
// The stack sets POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE and LOG_LEVEL.

/** The service name and metric namespace when the stack set none (tests, `sst dev`). */
const FALLBACK_SERVICE = "cdm-search";

/** The phase (Lambda entry) of this container, set when its entry module wraps its handler. */
let containerPhase = "unknown";

/** The container's logger: JSON lines with `level`, `message`, `service` and the invocation's keys. */
export const logger: () => Logger = once(() => new Logger({ serviceName: optionalSetting("POWERTOOLS_SERVICE_NAME") ?? FALLBACK_SERVICE }));

/** The container's metrics, dimensioned by service and phase; flushed at the end of each invocation. */
const metrics = once(
  () =>
    new Metrics({
      namespace: optionalSetting("POWERTOOLS_METRICS_NAMESPACE") ?? FALLBACK_SERVICE,
      serviceName: optionalSetting("POWERTOOLS_SERVICE_NAME") ?? FALLBACK_SERVICE,
      defaultDimensions: { phase: containerPhase },
    }),
);

/**
 * The {@link Telemetry} port on CloudWatch's embedded metric format: what a handler counts during
 * an invocation goes out with that invocation's metrics when it ends.
 *
 * @example
 * worker(payload, { ...deps, telemetry: telemetryFromEnv() });
 */
export const telemetryFromEnv: () => Telemetry = once(() => ({
  count: (name, n = 1) => void metrics().addMetric(name, MetricUnit.Count, n),
  duration: (name, ms) => void metrics().addMetric(name, MetricUnit.Milliseconds, ms),
}));

/** What the entries' SDK clients count their throttles and retries as (`withRetryMetrics`). */
export const dynamoDbRetryMetrics: RetryMetricNames = { throttles: telemetryMetrics.dynamoDbThrottles, retries: telemetryMetrics.dynamoDbRetries };
export const s3RetryMetrics: RetryMetricNames = { throttles: telemetryMetrics.s3Throttles, retries: telemetryMetrics.s3Retries };
export const lambdaRetryMetrics: RetryMetricNames = { throttles: telemetryMetrics.lambdaThrottles, retries: telemetryMetrics.lambdaRetries };

/** The part of Lambda's context object the logger reads (request id, function name and version). */
export interface InvocationContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
}

/** The phase an {@link observed} handler logs as: a property of the handler, so tests can tell it is wrapped. */
export const OBSERVED_PHASE: unique symbol = Symbol("observed phase");

/** Options of {@link observed}. */
export interface ObservedOptions {
  /** A count to add 1 to when the handler returns (the worker: `BatchesScored`). */
  succeeded?: string;
}

/**
 * A Lambda entry's handler, observed: each invocation logs `invocation started` and `invocation
 * finished` (or `invocation failed`, with the error, before rethrowing it) as JSON with the phase,
 * the search, the batch or event it is about ({@link invocationFields}) and its duration; every
 * line the handler logs through {@link logger} in between carries the same keys. It records
 * `PhaseDuration` (and `ColdStarts` once per container) and flushes the invocation's metrics.
 *
 * @example
 * export const handler = observed("intake", (event: unknown) => intake(event, deps()));
 */
export function observed<Event, Result>(
  phase: string,
  handler: (event: Event, context?: InvocationContext) => Promise<Result>,
  options: ObservedOptions = {},
): ((event: Event, context?: InvocationContext) => Promise<Result>) & { [OBSERVED_PHASE]: string } {
  containerPhase = phase;
  let cold = true;
  const wrapped = async (event: Event, context?: InvocationContext): Promise<Result> => {
    const log = logger();
    const telemetry = telemetryFromEnv();
    log.resetKeys();
    log.appendKeys({ phase, ...invocationFields(event) });
    // Typed loosely by Powertools (its `Context` comes from @types/aws-lambda, not installed).
    if (context) log.addContext(context as Parameters<Logger["addContext"]>[0]);
    if (cold) telemetry.count(telemetryMetrics.coldStarts);
    log.info("invocation started", { cold });
    cold = false;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const result = await handler(event, context);
      if (options.succeeded) telemetry.count(options.succeeded);
      log.info("invocation finished", { durationMs: elapsed() });
      return result;
    } catch (error) {
      log.error("invocation failed", { durationMs: elapsed(), error: error as Error });
      throw error;
    } finally {
      telemetry.duration(telemetryMetrics.phaseDuration, performance.now() - started);
      metrics().publishStoredMetrics();
      log.resetKeys();
    }
  };
  return Object.assign(wrapped, { [OBSERVED_PHASE]: phase });
}

/** What a log line says an invocation is about; only our own identifiers, never payload contents. */
export interface InvocationFields {
  searchId?: string;
  submissionId?: string;
  /** The batch a worker scores. */
  batch?: number;
  /** The batches below a dispatcher (`first-last`) and its level in the dispatch tree. */
  batches?: string;
  treeLevel?: number;
  /** An EventBridge event's detail-type. */
  event?: string;
  /** On-failure: the function that gave up (its name, from the record's ARN). */
  failedFunction?: string;
  /** An SQS batch's message count. */
  messages?: number;
}

/**
 * The identifiers an invocation's event or payload carries, wherever the entries put them: an
 * EventBridge event's detail, a worker's `job` and `batch`, a dispatcher's `plan` and `node`, the
 * request payload of an on-failure record, or the same fields at the top level. Values that do
 * not look like identifiers (too long, odd characters) are left out rather than logged.
 *
 * @example
 * invocationFields({ batch: { batchId: 3 }, job: { searchId: "s-1" } }); // { searchId: "s-1", batch: 3 }
 */
export function invocationFields(event: unknown): InvocationFields {
  const fields: InvocationFields = {};
  const failedFunction = functionNameOf(at(event, "requestContext", "functionArn"));
  if (failedFunction) fields.failedFunction = failedFunction;
  const payload = at(event, "requestPayload") ?? event;

  const searchId = firstOf(payload, identifier, ["searchId"], ["detail", "searchId"], ["job", "searchId"], ["plan", "job", "searchId"]);
  if (searchId) fields.searchId = searchId;
  const submissionId = firstOf(payload, identifier, ["submissionId"], ["detail", "submissionId"]);
  if (submissionId) fields.submissionId = submissionId;
  const batch = firstOf(payload, count, ["batch", "batchId"], ["batchId"], ["batch"], ["detail", "batchId"]);
  if (batch !== undefined) fields.batch = batch;

  const first = count(at(payload, "node", "firstBatch"));
  const size = count(at(payload, "node", "batchCount"));
  if (first !== undefined && size !== undefined && size > 0) fields.batches = `${first}-${first + size - 1}`;
  // Not `level`: Powertools' key for the log level.
  const treeLevel = count(at(payload, "node", "level"));
  if (treeLevel !== undefined) fields.treeLevel = treeLevel;

  const detailType = label(at(event, "detail-type")) ?? label(at(payload, "detail-type"));
  if (detailType) fields.event = detailType;
  const records = at(event, "Records");
  if (Array.isArray(records)) fields.messages = records.length;
  return fields;
}

function at(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!current || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function firstOf<T>(value: unknown, accept: (candidate: unknown) => T | undefined, ...paths: string[][]): T | undefined {
  for (const path of paths) {
    const found = accept(at(value, ...path));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Search ids, submission ids, ARNs: short, and of the characters ids are made of. */
function identifier(value: unknown): string | undefined {
  return typeof value === "string" && /^[\w.:@/+=-]{1,200}$/.test(value) ? value : undefined;
}

/** A Lambda function's name from its ARN, qualified (`:$LATEST`, `:3`) or not. */
function functionNameOf(arn: unknown): string | undefined {
  if (typeof arn !== "string" || arn.length > 300) return undefined;
  return /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([\w-]{1,140})(?::[\w$-]{1,128})?$/.exec(arn)?.[1];
}

/** Detail-types ("Search Batches Completed"): words and spaces. */
function label(value: unknown): string | undefined {
  return typeof value === "string" && /^[\w .-]{1,100}$/.test(value) ? value : undefined;
}

function count(value: unknown): number | undefined {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;
}
