/**
 * Starts functions by name without waiting for them, as Lambda's `Event` invocation does:
 * the promise resolves once the invocation is accepted (queued), not when it has run, and
 * rejects only if it could not be accepted (unknown function, payload too large, throttled
 * beyond the client's retries). Whatever happens after that (retries, final failure) is the
 * runtime's business. Payloads must be JSON: they are serialised on the way. The Lambda
 * implementation lives in @cds/aws, the in-process one in @cds/local.
 *
 * @example
 * await invoker.invokeAsync("search-worker", { batch, job });
 */
export interface Invoker {
  invokeAsync(functionName: string, payload: unknown): Promise<void>;
}
