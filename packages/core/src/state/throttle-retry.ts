import { setTimeout as sleep } from "node:timers/promises";

/** DynamoDB's answers that mean "too fast for this partition or table; try again". */
const THROTTLE_NAMES = new Set(["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"]);

/** Options of {@link retryThrottled}. */
export interface ThrottleRetryOptions {
  /** Attempts in all, the first included (default 8: ~6 s of backoff at most). */
  attempts?: number;
  /** First backoff ceiling in ms (default 50); it doubles per attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
}

/** Called for every throttled attempt of every {@link retryThrottled} in this process; a metrics adapter sets it. */
let throttleListener: ((attempt: number, error: unknown) => void) | undefined;

/** Sets the process-wide listener of throttled attempts (metrics); undefined removes it. */
export function onThrottledWrite(listener: ((attempt: number, error: unknown) => void) | undefined): void {
  throttleListener = listener;
}

/**
 * Whether an error (or one in its `cause` chain, as ElectroDB wraps the client's) is throttling.
 *
 * @example
 * if (isThrottle(error)) metrics.count("throttles");
 */
export function isThrottle(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (THROTTLE_NAMES.has(e.name) || THROTTLE_NAMES.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

/**
 * Runs a state write, retrying it in-process with full-jitter exponential backoff while DynamoDB
 * throttles it — after the SDK's own adaptive retries gave up. A throttled worker would otherwise
 * fail its invocation and wait for Lambda's asynchronous retry, a minute later.
 *
 * @example
 * await retryThrottled(() => batchResults.put(item).go());
 */
export async function retryThrottled<T>(write: () => Promise<T>, options: ThrottleRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 8;
  const base = options.baseDelayMs ?? 50;
  const max = options.maxDelayMs ?? 2_000;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts || !isThrottle(error)) throw error;
      throttleListener?.(attempt, error);
      await sleep(random() * Math.min(max, base * 2 ** (attempt - 1)));
    }
  }
}
