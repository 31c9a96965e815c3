import type { WebhookAttemptResult, WebhookHeaders } from "@cds/core";

/** The longest a receiver may take to answer one webhook. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/** One signed webhook request. */
export type WebhookRequest = {
  url: string;
  body: string;
  headers: WebhookHeaders;
  /** Default {@link WEBHOOK_TIMEOUT_MS}. */
  timeoutMs?: number;
};

/**
 * POSTs one signed webhook and reports what happened, never throwing: the status code
 * and latency, or the error when no response came (refused, reset, timed out).
 * Redirects are not followed: a 3xx counts as a failure, so a signed payload is only
 * ever sent to the URL the subscriber registered.
 *
 * @example
 * const result = await postWebhook({ url: subscription.url, body, headers: signWebhook({ secret, messageId, timestamp: new Date(), body }) });
 */
export async function postWebhook(request: WebhookRequest): Promise<WebhookAttemptResult> {
  const timeoutMs = request.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const started = performance.now();
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: { ...request.headers, "content-type": "application/json" },
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Drain the body so the connection can be reused; its content is not needed.
    await response.arrayBuffer().catch(() => undefined);
    return { statusCode: response.status, latencyMs: elapsedSince(started) };
  } catch (error) {
    return { latencyMs: elapsedSince(started), error: describeFetchError(error, timeoutMs) };
  }
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}

/** fetch says only "fetch failed"; the reason a person needs (ECONNREFUSED …) is in `cause`. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") return `no response within ${timeoutMs} ms`;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
