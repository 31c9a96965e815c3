import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { Invoker } from "@cds/core/ports";
import { InvocationFailedError, InvocationPayloadError, UnknownFunctionError } from "./errors.ts";

/** The largest payload of an `Event` (async) invocation that Lambda accepts: 1 MiB. */
export const ASYNC_INVOKE_MAX_PAYLOAD_BYTES = 1024 * 1024;

export interface LambdaInvokerOptions {
  client: LambdaClient;
  /** Logical name (as the pipeline calls it, e.g. `search-worker`) → deployed function name or ARN. */
  functionNames: Readonly<Record<string, string>>;
  /** Largest serialised payload sent (default {@link ASYNC_INVOKE_MAX_PAYLOAD_BYTES}). */
  maxPayloadBytes?: number;
}

/**
 * An {@link Invoker} over Lambda's `Invoke` with InvocationType `Event`: `invokeAsync`
 * resolves once Lambda has queued the invocation (HTTP 202); Lambda's own retries and the
 * on-failure destination handle what happens after. An unknown logical name or a payload
 * that is not JSON or too large is rejected before anything is sent, so the message names
 * the problem rather than Lambda's `RequestEntityTooLargeException`. Throttling and other
 * errors of the call are retried by the SDK client, then surface as
 * {@link InvocationFailedError} with the SDK error as `cause`.
 *
 * @example
 * const invoker = new LambdaInvoker({
 *   client: new LambdaClient({}),
 *   functionNames: { "search-dispatch-node": process.env.CDS_DISPATCH_NODE_FUNCTION!, "search-worker": process.env.CDS_WORKER_FUNCTION! },
 * });
 * await invoker.invokeAsync("search-worker", { batch, job });
 */
export class LambdaInvoker implements Invoker {
  readonly client: LambdaClient;
  readonly functionNames: Readonly<Record<string, string>>;
  readonly maxPayloadBytes: number;

  constructor(options: LambdaInvokerOptions) {
    this.client = options.client;
    this.functionNames = { ...options.functionNames };
    this.maxPayloadBytes = options.maxPayloadBytes ?? ASYNC_INVOKE_MAX_PAYLOAD_BYTES;
  }

  async invokeAsync(functionName: string, payload: unknown): Promise<void> {
    // Own-property lookup, so "constructor" or "toString" is not a function name.
    const deployedName = Object.hasOwn(this.functionNames, functionName) ? this.functionNames[functionName] : undefined;
    if (!deployedName) throw new UnknownFunctionError(functionName, Object.keys(this.functionNames));
    const bytes = this.serialise(functionName, payload);
    let response;
    try {
      response = await this.client.send(new InvokeCommand({ FunctionName: deployedName, InvocationType: "Event", Payload: bytes }));
    } catch (error) {
      const e = error as { name?: string; message?: string };
      throw new InvocationFailedError(functionName, deployedName, `${e?.name ?? "Error"}: ${e?.message ?? String(error)}`, { cause: error });
    }
    if (response.FunctionError) throw new InvocationFailedError(functionName, deployedName, `Lambda reported a FunctionError (${response.FunctionError})`);
    if (response.StatusCode !== 202) throw new InvocationFailedError(functionName, deployedName, `Lambda answered status ${response.StatusCode}, not 202 (accepted)`);
  }

  private serialise(functionName: string, payload: unknown): Uint8Array {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch (cause) {
      throw new InvocationPayloadError(functionName, "it is not serialisable as JSON", { cause });
    }
    if (json === undefined) throw new InvocationPayloadError(functionName, "it is not serialisable as JSON");
    const bytes = new TextEncoder().encode(json);
    if (bytes.byteLength > this.maxPayloadBytes) {
      throw new InvocationPayloadError(functionName, `${bytes.byteLength} bytes is over the ${this.maxPayloadBytes}-byte limit of an async invocation`);
    }
    return bytes;
  }
}
