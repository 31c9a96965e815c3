import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** An HTTP request as it reached a local endpoint, body read whole. */
export type RawRequest = {
  method: string;
  /** Path and query, as sent (still URL-encoded). */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
};

/** What a local endpoint answers. */
export type RawResponse = {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
};

/**
 * An AWS service error to answer with: the HTTP status and the error's shape name, which
 * the SDK turns into an exception of that name (`ThrottlingException`, …). Handlers of the
 * fake endpoints return it instead of a result.
 *
 * @example
 * handler: () => awsError(429, "TooManyRequestsException", "Rate exceeded")
 */
export type AwsErrorReply = { awsError: { status: number; type: string; message: string } };

export function awsError(status: number, type: string, message = type): AwsErrorReply {
  return { awsError: { status, type, message } };
}

export function isAwsError(reply: unknown): reply is AwsErrorReply {
  return typeof reply === "object" && reply !== null && "awsError" in reply;
}

/** A running local endpoint. */
export type LocalEndpoint = {
  /** `http://127.0.0.1:<port>`, for an SDK client's `endpoint`. */
  endpoint: string;
  /** Stops listening and drops open (keep-alive) connections. */
  close(): Promise<void>;
};

/**
 * Listens on 127.0.0.1 (a port the system picks) and answers each request with `respond`.
 * A handler that throws becomes a 500 whose body says why, so a broken test double shows
 * up in the SDK's error rather than as a hang.
 */
export async function startLocalEndpoint(respond: (request: RawRequest) => RawResponse | Promise<RawResponse>): Promise<LocalEndpoint> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let response: RawResponse;
    try {
      response = await respond({ method: req.method ?? "GET", url: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      response = { status: 500, headers: { "content-type": "application/json", "x-amzn-errortype": "InternalFailure" }, body: JSON.stringify({ message }) };
    }
    res.writeHead(response.status, { "x-amzn-requestid": crypto.randomUUID(), ...response.headers });
    res.end(response.body ?? "");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * The error reply of the AWS JSON and REST-JSON protocols: the shape name in
 * `x-amzn-ErrorType` and in the body's `__type`, the text in `message`.
 */
export function jsonErrorResponse(reply: AwsErrorReply, contentType: string): RawResponse {
  const { status, type, message } = reply.awsError;
  return {
    status,
    headers: { "content-type": contentType, "x-amzn-errortype": type },
    body: JSON.stringify({ __type: type, message }),
  };
}

/** Fixed dummy settings for an SDK client pointed at a local endpoint: nothing read from the environment. */
export function localClientConfig(endpoint: string, maxAttempts?: number) {
  return {
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  };
}
