import { isOwner } from "./owner.ts";

/** The parts of an API Gateway HTTP API (payload 2.0) request the console's routes read. */
export interface HttpApiEvent {
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
  readonly requestContext?: { readonly authorizer?: { readonly jwt?: { readonly claims?: Readonly<Record<string, unknown>> } } };
}

/** An HTTP API (payload 2.0) response. */
export interface HttpResult {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The most a JSON request body may hold: an upload request is a few hundred bytes. */
export const MAX_REQUEST_BODY_BYTES = 16 * 1024;

/** A JSON response; never cached (each answer is the signed-in user's own). */
export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: JSON.stringify(body) };
}

/** A 4xx answer with a reason a person understands, and the form field it is about. */
export function refused(statusCode: number, error: string, field?: string): HttpResult {
  return json(statusCode, field ? { error, field } : { error });
}

/**
 * The signed-in user: the `sub` claim API Gateway's JWT authorizer verified. Undefined when
 * there is none (a route deployed without the authorizer), which the routes answer with 401.
 */
export function ownerOf(event: HttpApiEvent): string | undefined {
  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  return isOwner(sub) ? sub : undefined;
}

/** The request's JSON body, or a refusal: missing, over {@link MAX_REQUEST_BODY_BYTES}, or not JSON. */
export function jsonBody(event: HttpApiEvent): { value: unknown } | { refusal: HttpResult } {
  if (!event.body) return { refusal: refused(400, "the request has no body: send the upload's description as JSON") };
  const text = event.isBase64Encoded ? Buffer.from(event.body, "base64").toString("utf8") : event.body;
  if (Buffer.byteLength(text) > MAX_REQUEST_BODY_BYTES) return { refusal: refused(413, `the request body is over ${MAX_REQUEST_BODY_BYTES} bytes`) };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return { refusal: refused(400, "the request body is not JSON") };
  }
}
