import { type AwsErrorReply, awsError, isAwsError, jsonErrorResponse, type LocalEndpoint, startLocalEndpoint } from "./local-endpoint.ts";

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/?]+)\/invocations(?:\?(.*))?$/;

/** A decoded Lambda `Invoke` request (REST-JSON: the function in the path, options in headers, the payload as the body). */
export type InvokeWireRequest = {
  /** The function name or ARN, URL-decoded. */
  functionName: string;
  /** `X-Amz-Invocation-Type`: `Event`, `RequestResponse` (the default when absent) or `DryRun`. */
  invocationType: string;
  qualifier?: string;
  /** The payload bytes as text. */
  payloadText: string;
  /** The payload parsed as JSON (undefined when empty). */
  payload: unknown;
};

/** What a handler answers; the status defaults to 202 for `Event`, 204 for `DryRun` and 200 otherwise. */
export type InvokeReply = {
  statusCode?: number;
  /** Sent as `X-Amz-Function-Error` (`Unhandled`, …). */
  functionError?: string;
  /** Response payload (for `RequestResponse`). */
  payload?: string;
};

export type InvokeHandler = (request: InvokeWireRequest) => InvokeReply | AwsErrorReply | Promise<InvokeReply | AwsErrorReply>;

/** A local endpoint that speaks Lambda's Invoke. */
export type FakeLambda = LocalEndpoint & {
  /** Every Invoke request received, decoded, in arrival order. */
  requests: InvokeWireRequest[];
};

/**
 * A local HTTP endpoint that decodes what `LambdaClient` sends for Invoke —
 * `POST /2015-03-31/functions/{FunctionName}/invocations` with `X-Amz-Invocation-Type`
 * and the raw payload as body — and answers with what `handler` returns (by default
 * "accepted": 202 for an `Event` invocation). An end-to-end test can run the named
 * handler from here; a throttled or missing function is an {@link awsError} reply
 * (`TooManyRequestsException` 429, `ResourceNotFoundException` 404). Anything else is a
 * 404 `UnknownOperationException`.
 *
 * @example
 * const lambda = await startFakeLambda((request) => { queueMicrotask(() => run(request.functionName, request.payload)); return {}; });
 */
export async function startFakeLambda(handler: InvokeHandler = () => ({})): Promise<FakeLambda> {
  const requests: InvokeWireRequest[] = [];
  const local = await startLocalEndpoint(async (raw) => {
    const match = raw.method === "POST" ? INVOKE_PATH.exec(raw.url) : null;
    if (!match) return jsonErrorResponse(awsError(404, "UnknownOperationException", `not Invoke: ${raw.method} ${raw.url}`), "application/json");
    const query = new URLSearchParams(match[2] ?? "");
    const payloadText = raw.body.toString("utf8");
    const request: InvokeWireRequest = {
      functionName: decodeURIComponent(match[1]),
      invocationType: String(raw.headers["x-amz-invocation-type"] ?? "RequestResponse"),
      ...(query.has("Qualifier") ? { qualifier: query.get("Qualifier")! } : {}),
      payloadText,
      payload: payloadText === "" ? undefined : (JSON.parse(payloadText) as unknown),
    };
    requests.push(request);
    const reply = await handler(request);
    if (isAwsError(reply)) return jsonErrorResponse(reply, "application/json");
    const status = reply.statusCode ?? (request.invocationType === "Event" ? 202 : request.invocationType === "DryRun" ? 204 : 200);
    return {
      status,
      headers: {
        "content-type": "application/json",
        "x-amz-executed-version": "$LATEST",
        ...(reply.functionError ? { "x-amz-function-error": reply.functionError } : {}),
      },
      body: reply.payload ?? "",
    };
  });
  return { ...local, requests };
}
