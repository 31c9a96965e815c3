import { createHash, createHmac } from "node:crypto";

// AWS Signature Version 4, for the two requests the console signs itself: the presigned S3 PUT
// a browser uploads a mask with, and the API Gateway Management API POST that pushes an event
// to a WebSocket connection. Written on node:crypto because neither the S3 presigner nor the
// Management API client is among the project's dependencies; the tests check every signature
// against the AWS SDK's own signer (@smithy/signature-v4).

/** The credentials a request is signed with (a Lambda's role: `AWS_ACCESS_KEY_ID`, … from the environment). */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** What to sign: a method, a URL and the headers that must be sent exactly so. */
export interface SignableRequest {
  readonly method: string;
  readonly url: URL;
  /** Header names in any case; `host` is added from the URL. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly service: string;
  readonly region: string;
  readonly credentials: SigningCredentials;
  readonly now?: Date;
}

const ALGORITHM = "AWS4-HMAC-SHA256";

/**
 * A presigned URL (query-string authentication) for `request`: whoever holds it may send that
 * method to that URL with exactly the signed headers, until it expires. The payload is not
 * signed (`UNSIGNED-PAYLOAD`, as S3 takes for presigned requests); sign `content-length` to bound it.
 *
 * @example
 * presignUrl({ method: "PUT", url, headers: { "content-length": "1024" }, service: "s3", region, credentials }, 900)
 */
export function presignUrl(request: SignableRequest, expiresInSeconds: number): URL {
  const { amzDate, scope, headers } = prepare(request);
  const url = new URL(request.url);
  const query = url.searchParams;
  query.set("X-Amz-Algorithm", ALGORITHM);
  query.set("X-Amz-Credential", `${request.credentials.accessKeyId}/${scope}`);
  query.set("X-Amz-Date", amzDate);
  query.set("X-Amz-Expires", String(expiresInSeconds));
  if (request.credentials.sessionToken) query.set("X-Amz-Security-Token", request.credentials.sessionToken);
  query.set("X-Amz-SignedHeaders", signedHeaderNames(headers));
  const signature = signatureOf(request, amzDate, scope, canonicalRequest(request.service, request.method, url, headers, "UNSIGNED-PAYLOAD"));
  query.set("X-Amz-Signature", signature);
  return url;
}

/**
 * The headers to send `request` with `body`, signed in the `Authorization` header (the payload's
 * hash included).
 *
 * @example
 * const headers = signRequest({ method: "POST", url, service: "execute-api", region, credentials }, body);
 * await fetch(url, { method: "POST", headers, body });
 */
export function signRequest(request: SignableRequest, body: string | Uint8Array): Record<string, string> {
  const payloadHash = sha256Hex(body);
  const { amzDate, scope, headers } = prepare(request, {
    "x-amz-date": "",
    "x-amz-content-sha256": payloadHash,
    ...(request.credentials.sessionToken ? { "x-amz-security-token": request.credentials.sessionToken } : {}),
  });
  headers["x-amz-date"] = amzDate;
  const signature = signatureOf(request, amzDate, scope, canonicalRequest(request.service, request.method, request.url, headers, payloadHash));
  const authorization = `${ALGORITHM} Credential=${request.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaderNames(headers)}, Signature=${signature}`;
  const { host: _host, ...rest } = headers;
  return { ...rest, authorization };
}

function prepare(request: SignableRequest, extra: Record<string, string> = {}) {
  const now = request.now ?? new Date();
  const amzDate = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
  const scope = `${amzDate.slice(0, 8)}/${request.region}/${request.service}/aws4_request`;
  const headers: Record<string, string> = { host: request.url.host };
  for (const [name, value] of Object.entries({ ...request.headers, ...extra })) headers[name.toLowerCase()] = value;
  return { amzDate, scope, headers };
}

function signedHeaderNames(headers: Record<string, string>): string {
  return Object.keys(headers).sort().join(";");
}

function canonicalRequest(service: string, method: string, url: URL, headers: Record<string, string>, payloadHash: string): string {
  // S3 signs the path as sent (each segment URI-encoded once); every other service signs the
  // path as sent URI-encoded once more (a WebSocket connection id such as `L0SM9cOFvHcCIhw=` is
  // `%3D` in the URL and `%253D` when signed, `@connections` is `%40connections`).
  const segments = url.pathname.split("/");
  const path = segments.map((segment) => rfc3986(service === "s3" ? decodeURIComponent(segment) : segment)).join("/") || "/";
  const query = [...url.searchParams.entries()]
    .filter(([name]) => name !== "X-Amz-Signature")
    .map(([name, value]) => [rfc3986(name), rfc3986(value)])
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join("&");
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${headers[name].trim().replace(/\s+/g, " ")}\n`).join("");
  return [method, path, query, canonicalHeaders, names.join(";"), payloadHash].join("\n");
}

function signatureOf(request: SignableRequest, amzDate: string, scope: string, canonical: string): string {
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join("\n");
  let key: Buffer = hmac(`AWS4${request.credentials.secretAccessKey}`, amzDate.slice(0, 8));
  for (const part of [request.region, request.service, "aws4_request"]) key = hmac(key, part);
  return createHmac("sha256", key).update(stringToSign, "utf8").digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * URI-encodes as SigV4 wants: everything but A-Z a-z 0-9 - . _ ~. Use it for the path of a URL
 * to be presigned too, so the path sent and the path signed are the same bytes.
 */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
