import { setting } from "../lambda/settings.ts";
import { presignUrl, rfc3986, signRequest, type SigningCredentials } from "./sigv4.ts";
import type { PostOutcome } from "./broadcast.ts";

/** The function's own credentials: Lambda puts its role's session in the environment. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): SigningCredentials {
  return {
    accessKeyId: setting("AWS_ACCESS_KEY_ID", env),
    secretAccessKey: setting("AWS_SECRET_ACCESS_KEY", env),
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  };
}

/** The region the function runs in. */
export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION ?? setting("AWS_DEFAULT_REGION", env);
}

/**
 * An object's URL: virtual-hosted on S3 itself, or path-style under `AWS_ENDPOINT_URL_S3` with
 * `CDS_S3_FORCE_PATH_STYLE=1` (a local S3 server), as `createS3Client` addresses it.
 */
export function s3ObjectUrl(bucket: string, key: string, env: NodeJS.ProcessEnv = process.env): URL {
  const path = key.split("/").map(rfc3986).join("/");
  const endpoint = env.AWS_ENDPOINT_URL_S3;
  if (endpoint) return env.CDS_S3_FORCE_PATH_STYLE === "1" ? new URL(`${endpoint.replace(/\/$/, "")}/${bucket}/${path}`) : new URL(`${new URL(endpoint).protocol}//${bucket}.${new URL(endpoint).host}/${path}`);
  return new URL(`https://${bucket}.s3.${regionFromEnv(env)}.amazonaws.com/${path}`);
}

/**
 * Presigns a request to an object of `bucket` with the function's credentials; `query` (such as
 * S3's `response-content-type`) is signed with it.
 */
export function presignObject(bucket: string, method: "GET" | "PUT", seconds: number, env: NodeJS.ProcessEnv = process.env) {
  return (key: string, headers: Record<string, string> = {}, query: Record<string, string> = {}): URL => {
    const url = s3ObjectUrl(bucket, key, env);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return presignUrl({ method, url, headers, service: "s3", region: regionFromEnv(env), credentials: credentialsFromEnv(env) }, seconds);
  };
}

/** What each kind of results file is answered as. */
const RESULTS_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".json": "application/json",
  ".csv": "text/csv; charset=utf-8",
  ".png": "image/png",
};

/**
 * A presigned GET of a results object that the browser shows rather than downloads: the
 * pipeline stores results without a content type, so the URL asks S3 to answer with one.
 */
export function presignResultsGet(bucket: string, seconds: number, env: NodeJS.ProcessEnv = process.env): (key: string) => URL {
  const presign = presignObject(bucket, "GET", seconds, env);
  return (key) => presign(key, {}, { "response-content-type": RESULTS_CONTENT_TYPES[/\.[a-z]+$/.exec(key)?.[0] ?? ""] ?? "application/octet-stream" });
}

/**
 * Posts to WebSocket connections through the API Gateway Management API at `endpoint`
 * (`https://<api>.execute-api.<region>.amazonaws.com/<stage>`), signed as the function.
 * 410 means the connection is gone; any other failure throws, for the event's retry.
 */
export function connectionPoster(endpoint: string, env: NodeJS.ProcessEnv = process.env): (connectionId: string, message: string) => Promise<PostOutcome> {
  return async (connectionId, message) => {
    const url = new URL(`${endpoint.replace(/\/$/, "")}/@connections/${encodeURIComponent(connectionId)}`);
    const headers = signRequest({ method: "POST", url, headers: { "content-type": "application/json" }, service: "execute-api", region: regionFromEnv(env), credentials: credentialsFromEnv(env) }, message);
    const response = await fetch(url, { method: "POST", headers, body: message, signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    if (response.status === 410) return "gone";
    if (!response.ok) throw new Error(`posting to connection ${connectionId} answered HTTP ${response.status}`);
    return "sent";
  };
}
