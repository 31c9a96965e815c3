import type { Telemetry } from "@cds/core/ports";

// Throttles and retries of an AWS SDK client, as telemetry counts. Two middlewares: one inside the
// SDK's retry loop sees every attempt's error (so a throttle that a retry then got past still
// counts), one outside it reads how many attempts the call took. They watch the client whatever
// its retry mode (standard or adaptive) and change nothing about the call.

/** The SDK's retry middleware, which the per-attempt counter sits inside of. */
const RETRY_MIDDLEWARE = "retryMiddleware";

/** Error names AWS services answer a throttled request with (DynamoDB, S3, Lambda, EventBridge). */
const THROTTLING_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "SlowDown",
]);

// `any` for what passes through: each client's stack is typed by its own commands' inputs and
// outputs, which these middlewares hand on untouched (only `$metadata` is read, as unknown).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (args: any) => Promise<any>;
type Middleware = (next: Handler) => Handler;

/** An AWS SDK v3 client (or DocumentClient, which shares its client's stack), as far as this needs. */
export interface MiddlewareHost {
  readonly middlewareStack: {
    add(middleware: Middleware, options: object): void;
    addRelativeTo(middleware: Middleware, options: object): void;
  };
}

/** The counts one client reports: `throttles` per throttled attempt, `retries` per attempt after the first. */
export interface RetryMetricNames {
  throttles: string;
  retries: string;
}

/**
 * Counts the client's throttled attempts and its retries into `telemetry`, and returns the client.
 *
 * @example
 * const client = withRetryMetrics(createDynamoDocumentClient(), telemetryFromEnv(), {
 *   throttles: telemetryMetrics.dynamoDbThrottles, retries: telemetryMetrics.dynamoDbRetries,
 * });
 */
export function withRetryMetrics<Client extends MiddlewareHost>(client: Client, telemetry: Telemetry, names: RetryMetricNames): Client {
  const countRetries: Middleware = (next) => async (args) => {
    try {
      const result = await next(args);
      countAttempts(attemptsOf((result as { output?: unknown }).output));
      return result;
    } catch (error) {
      countAttempts(attemptsOf(error));
      throw error;
    }
  };
  const countThrottles: Middleware = (next) => async (args) => {
    try {
      return await next(args);
    } catch (error) {
      if (isThrottle(error)) telemetry.count(names.throttles);
      throw error;
    }
  };
  client.middlewareStack.add(countRetries, { step: "initialize", name: "cdsCountRetries", override: true });
  client.middlewareStack.addRelativeTo(countThrottles, { relation: "after", toMiddleware: RETRY_MIDDLEWARE, name: "cdsCountThrottles", override: true });
  return client;

  function countAttempts(attempts: number | undefined): void {
    if (attempts !== undefined && attempts > 1) telemetry.count(names.retries, attempts - 1);
  }
}

/** `$metadata.attempts` of an SDK output or error. */
function attemptsOf(value: unknown): number | undefined {
  const attempts = (value as { $metadata?: { attempts?: unknown } } | null | undefined)?.$metadata?.attempts;
  return typeof attempts === "number" ? attempts : undefined;
}

/** A throttling answer: HTTP 429, a throttling error name, or the SDK's own `$retryable.throttling` mark. */
export function isThrottle(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { name, $metadata, $retryable } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown }; $retryable?: { throttling?: unknown } };
  return $metadata?.httpStatusCode === 429 || (typeof name === "string" && THROTTLING_ERRORS.has(name)) || $retryable?.throttling === true;
}
