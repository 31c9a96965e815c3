import { LambdaClient } from "@aws-sdk/client-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { ASYNC_INVOKE_MAX_PAYLOAD_BYTES, InvocationFailedError, InvocationPayloadError, LambdaInvoker, UnknownFunctionError } from "@cds/aws";
import { type FakeLambda, type InvokeHandler, startFakeLambda } from "@cds/testing/aws/fake-lambda";
import { awsError, localClientConfig } from "@cds/testing/aws/local-endpoint";

const WORKER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:cds-dev-search-worker";
let fake: FakeLambda | undefined;
let client: LambdaClient | undefined;

afterEach(async () => {
  client?.destroy();
  await fake?.close();
  client = fake = undefined;
});

/** An invoker on a fresh fake endpoint; the SDK client tries once, so that refusals surface at once. */
async function invokerOn(handler?: InvokeHandler, maxPayloadBytes?: number) {
  fake = await startFakeLambda(handler);
  client = new LambdaClient(localClientConfig(fake.endpoint, 1));
  return new LambdaInvoker({ client, functionNames: { "search-dispatcher": "cds-dev-search-dispatcher", "search-worker": WORKER_ARN }, maxPayloadBytes });
}

describe("LambdaInvoker against a local endpoint speaking Lambda's Invoke wire protocol (no Lambda emulator here)", () => {
  it("invokes the deployed function mapped to a logical name, asynchronously, with the payload as JSON", async () => {
    const invoker = await invokerOn();
    const payload = { batch: { batchId: 3, start: 750, end: 1000 }, job: { searchId: "s-1", note: "ünïcode" } };
    // Act
    await invoker.invokeAsync("search-dispatcher", payload);
    await invoker.invokeAsync("search-worker", { batch: 1 });
    // Assess: an ARN travels URL-encoded in the path and arrives whole.
    expect(fake!.requests.map((r) => [r.functionName, r.invocationType, r.payload])).toEqual([
      ["cds-dev-search-dispatcher", "Event", payload],
      [WORKER_ARN, "Event", { batch: 1 }],
    ]);
    expect(fake!.requests[0].payloadText).toBe(JSON.stringify(payload));
  });

  it("refuses a logical name it has no deployed name for, naming the ones it has, without calling Lambda", async () => {
    const invoker = await invokerOn();
    const attempt = invoker.invokeAsync("search-combiner", {});
    await expect(attempt).rejects.toBeInstanceOf(UnknownFunctionError);
    await expect(attempt).rejects.toThrow('no deployed Lambda function is configured for "search-combiner" (configured: search-dispatcher, search-worker)');
    await expect(invoker.invokeAsync("toString", {})).rejects.toBeInstanceOf(UnknownFunctionError);
    expect(fake!.requests).toHaveLength(0);
  });

  it("sends a payload at the size limit, and refuses one a byte over it without calling Lambda", async () => {
    const invoker = await invokerOn(undefined, 100);
    const padded = (bytes: number) => "x".repeat(bytes - 2); // the JSON string's quotes make up the rest
    // Act
    await invoker.invokeAsync("search-worker", padded(100));
    const over = invoker.invokeAsync("search-worker", padded(101));
    // Assess
    await expect(over).rejects.toBeInstanceOf(InvocationPayloadError);
    await expect(over).rejects.toThrow('payload for "search-worker": 101 bytes is over the 100-byte limit of an async invocation');
    expect(fake!.requests).toHaveLength(1);
  });

  it("holds payloads to Lambda's 1 MiB async limit by default, counting UTF-8 bytes", async () => {
    const invoker = await invokerOn();
    // 2-byte characters: under the limit in characters, over it in bytes.
    const attempt = invoker.invokeAsync("search-worker", "é".repeat(ASYNC_INVOKE_MAX_PAYLOAD_BYTES / 2));
    await expect(attempt).rejects.toThrow(/1048578 bytes is over the 1048576-byte limit/);
    expect(fake!.requests).toHaveLength(0);
  });

  it("refuses a payload that is not JSON", async () => {
    const invoker = await invokerOn();
    await expect(invoker.invokeAsync("search-worker", { n: 1n })).rejects.toThrow('payload for "search-worker": it is not serialisable as JSON');
    await expect(invoker.invokeAsync("search-worker", undefined)).rejects.toBeInstanceOf(InvocationPayloadError);
    expect(fake!.requests).toHaveLength(0);
  });

  it("surfaces throttling (429) and a service error (500) as InvocationFailedError, keeping the SDK error as cause", async () => {
    let calls = 0;
    const invoker = await invokerOn(() =>
      ++calls === 1 ? awsError(429, "TooManyRequestsException", "Rate Exceeded.") : awsError(500, "ServiceException", "internal error"),
    );
    // Act
    const throttled = (await invoker.invokeAsync("search-worker", {}).catch((e: unknown) => e)) as InvocationFailedError;
    const broken = (await invoker.invokeAsync("search-dispatcher", {}).catch((e: unknown) => e)) as InvocationFailedError;
    // Assess
    expect(throttled).toBeInstanceOf(InvocationFailedError);
    expect(throttled.message).toBe(`invoking "search-worker" (${WORKER_ARN}) failed: TooManyRequestsException: Rate Exceeded.`);
    expect((throttled.cause as Error).name).toBe("TooManyRequestsException");
    expect(broken.message).toBe('invoking "search-dispatcher" (cds-dev-search-dispatcher) failed: ServiceException: internal error');
    expect((broken.cause as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(500);
  });

  it("treats a status other than 202, or a FunctionError, as a failed invocation", async () => {
    let calls = 0;
    const invoker = await invokerOn(() => (++calls === 1 ? { statusCode: 200 } : { functionError: "Unhandled" }));
    await expect(invoker.invokeAsync("search-worker", {})).rejects.toThrow(/Lambda answered status 200, not 202/);
    await expect(invoker.invokeAsync("search-worker", {})).rejects.toThrow(/Lambda reported a FunctionError \(Unhandled\)/);
  });
});
