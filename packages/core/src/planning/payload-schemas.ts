import { z } from "zod";
import { CdsError } from "../errors.ts";
import type { SearchJob } from "../pipeline/search-job.ts";
import { MAX_LIBRARIES_PER_SEARCH } from "../library/library-union.ts";
import { parseSearchParams } from "../search-params.ts";
import type { DispatcherPayload, WorkerPayload } from "./dispatch.ts";

// Invocation payloads are checked on entry, as events are: a malformed one (a hand-made retry, a
// payload of another version) fails loudly with what is wrong instead of starting the wrong
// workers. Sizes are bounded so that no payload can be larger than a few KB.

const whole = z.number().int().nonnegative();

const node = z.object({ level: whole.max(9), firstBatch: whole, batchCount: whole });
const tree = z.object({ batchCount: whole, levels: z.number().int().min(1).max(10), branchingFactor: z.number().int().min(1).max(64) });
const rule = z.discriminatedUnion("unit", [
  z.object({ unit: z.literal("shards"), batchCount: whole, batchSize: whole, shardsPerBatch: z.number().int().min(1) }),
  z.object({ unit: z.literal("items"), batchCount: whole, batchSize: whole }),
]);
const libraryName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
const source = z.object({
  rule,
  count: whole,
  buildId: z.string().regex(/^[a-z0-9]{1,40}$/),
  shardPageSize: z.number().int().min(1),
  pageFirstItems: z.array(whole).max(128),
  pageCrc32: z.array(whole).max(128),
  library: libraryName,
  firstBatch: whole,
  firstItem: whole,
});
const sources = z.array(source).min(1).max(MAX_LIBRARIES_PER_SEARCH);
const job = z.object({
  searchId: z.string().min(1).max(100),
  library: z.object({ name: z.string().min(1).max(1100), width: whole, height: whole, count: whole }),
  maskKey: z.string().min(1).max(1100),
  spec: z.object({
    params: z.record(z.unknown()).transform((p) => parseSearchParams(p)),
    top: z.number().int().min(0).max(10_000),
    shape: z.object({ topLines: z.number().int().min(1).max(10_000) }).optional(),
  }),
});
const shard = z.object({ key: z.string().max(200), start: whole, count: whole, bytes: whole, crc32: whole.optional() });
const batch = z.object({ batchId: whole, start: whole, end: whole });

const dispatcherPayload = z.object({ node, tree, sources, lanes: z.number().int().min(1).optional(), only: z.array(whole).max(64).optional(), job });
const workerPayload = z.object({ batch, library: libraryName, shards: z.array(shard).min(1).max(64), tree, sources, lanes: z.number().int().min(1).optional(), job });

/** A payload that is not what the function takes. */
export class PayloadError extends CdsError {
  override name = "PayloadError";
}

/**
 * A dispatcher's payload, checked.
 *
 * @example
 * const { node, tree } = parseDispatcherPayload(event);
 */
export function parseDispatcherPayload(payload: unknown): DispatcherPayload<SearchJob> {
  return parse(dispatcherPayload, payload, "dispatcher");
}

/**
 * A worker's payload, checked.
 *
 * @example
 * const { batch, shards, job } = parseWorkerPayload(event);
 */
export function parseWorkerPayload(payload: unknown): WorkerPayload<SearchJob> {
  return parse(workerPayload, payload, "worker");
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, payload: unknown, what: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new PayloadError(`not a ${what} payload: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
}
