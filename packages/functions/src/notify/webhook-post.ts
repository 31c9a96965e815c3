import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { checkWebhookUrl, forbiddenAddressKind, hostOfUrl, webhookTargetRefusal } from "@cds/core/notify";
import type { WebhookAttemptResult, WebhookHeaders } from "@cds/core/notify";

/** The longest a receiver may take to answer one webhook. */
export const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * The most of a receiver's answer that is read (and then thrown away): its content is never
 * needed, only its status, and a receiver must not be able to make cds hold a large body.
 */
export const WEBHOOK_RESPONSE_MAX_BYTES = 64 * 1024;

/** One signed webhook request. */
export type WebhookRequest = {
  url: string;
  body: string;
  headers: WebhookHeaders;
  /** Default {@link WEBHOOK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /**
   * Send to loopback, private and link-local addresses too (the subscription's `--allow-private`).
   * Default false: the address connected to must be public.
   */
  allowPrivate?: boolean;
};

/**
 * POSTs one signed webhook and reports what happened, never throwing: the status code
 * and latency, or the error when no response came (refused, reset, timed out, or a target the
 * policy forbids). Redirects are not followed: a 3xx counts as a failure, so a signed payload is
 * only ever sent to the URL the subscriber registered.
 *
 * Unless `allowPrivate`, the address is checked where the connection is made — in the socket's
 * own DNS lookup — so a host name that resolved to a public address when the subscription was
 * made and to 127.0.0.1 now (DNS rebinding) is refused, and the address checked is the one
 * connected to. At most {@link WEBHOOK_RESPONSE_MAX_BYTES} of the answer are read; then the
 * connection is closed.
 *
 * @example
 * const result = await postWebhook({ url: subscription.url, body, headers: signWebhook({ secret, messageId, timestamp: new Date(), body }) });
 */
export async function postWebhook(request: WebhookRequest): Promise<WebhookAttemptResult> {
  const timeoutMs = request.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  const allowPrivate = request.allowPrivate ?? false;
  const started = performance.now();
  try {
    const url = checkWebhookUrl(request.url, { allowPrivate });
    const statusCode = await send(url, request, timeoutMs, allowPrivate);
    return { statusCode, latencyMs: elapsedSince(started) };
  } catch (error) {
    return { latencyMs: elapsedSince(started), error: describeError(error) };
  }
}

function send(url: URL, request: WebhookRequest, timeoutMs: number, allowPrivate: boolean): Promise<number> {
  const body = Buffer.from(request.body, "utf8");
  const requestOf = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise<number>((resolve, reject) => {
    const req = requestOf(url, {
      method: "POST",
      headers: { ...request.headers, "content-type": "application/json", "content-length": String(body.length) },
      lookup: allowPrivate ? undefined : publicOnlyLookup(hostOfUrl(url)),
      // One connection per attempt: an agent's kept-alive socket would skip the address check.
      agent: false,
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.once("error", (error) => reject(isTimeout(error) ? new Error(`no response within ${timeoutMs} ms`) : error));
    req.once("response", (response) => {
      void drainBounded(response).then(() => {
        resolve(response.statusCode ?? 0);
        req.destroy();
      });
    });
    req.end(body);
  });
}

/** Reads up to the cap and discards it; then stops reading (the socket is destroyed after). */
function drainBounded(response: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    let read = 0;
    const done = () => {
      response.removeAllListeners("data");
      resolve();
    };
    response.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read >= WEBHOOK_RESPONSE_MAX_BYTES) {
        response.pause();
        done();
      }
    });
    response.once("end", done);
    response.once("error", done);
    response.once("aborted", done);
  });
}

/**
 * A `lookup` for the socket that resolves as usual and then refuses any forbidden address: the
 * address it hands back is the one connected to, so nothing can change between check and use.
 * (An IP literal never reaches a lookup; {@link checkWebhookUrl} judged it already.)
 */
function publicOnlyLookup(host: string): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      for (const { address } of addresses) {
        const kind = forbiddenAddressKind(address);
        if (kind) return callback(webhookTargetRefusal(host, address, kind), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
      callback(null, first.address, first.family || isIP(first.address));
    });
  };
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || (error.name === "AbortError" && (error.cause as Error | undefined)?.name === "TimeoutError"));
}

function elapsedSince(started: number): number {
  return Math.round(performance.now() - started);
}

/** The reason a person needs: the policy's sentence, or the socket error's code and message. */
function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
