import { CdsError } from "../errors.ts";
import type { LibraryDescriptor, ShardEntry } from "../library/library-manifest.ts";
import type { Invoker } from "../ports/invoker.ts";
import { batchOfRule, shardsNeeded, type BatchRange, type BatchRule } from "./batch-plan.ts";
import {
  childrenOf,
  leafCount,
  leafNumber,
  planDispatchTree,
  rootOf,
  type DispatcherNode,
  type DispatchTree,
  type DispatchTreeOptions,
} from "./dispatch-tree.ts";

/**
 * Where a leaf dispatcher finds its batches: the batch rule, and the library's shard pages
 * (their first items and checksums; ≤ 128 pages, so a few KB whatever the library's size).
 */
export interface BatchSource {
  rule: BatchRule;
  /** Items in the library. */
  count: number;
  buildId: string;
  shardPageSize: number;
  pageFirstItems: number[];
  pageCrc32: number[];
}

/**
 * The payload of a dispatcher invocation: its node, the tree's shape, where its batches are and
 * the job. Its size does not grow with the library: no node carries a list of batches.
 */
export interface DispatcherPayload<Job = unknown> {
  node: DispatcherNode;
  tree: DispatchTree;
  source: BatchSource;
  /** Leaves started at once (waves): leaf j + lanes starts when leaf j has completed. Absent: all. */
  lanes?: number;
  /** Start only these batches of the node (a leaf re-dispatched by the sweeper). */
  only?: number[];
  /** Opaque to the tree, handed to every worker unchanged (burst-compute's `jobParameters`). */
  job: Job;
}

/** The payload of a worker invocation: its batch, the shards it reads, and enough to count it and start the next wave. */
export interface WorkerPayload<Job = unknown> {
  batch: BatchRange;
  shards: ShardEntry[];
  tree: DispatchTree;
  source: BatchSource;
  lanes?: number;
  job: Job;
}

/** The deployed names of the two functions the tree invokes. */
export interface DispatchFunctionNames {
  dispatcher: string;
  worker: string;
}

/** What a dispatcher needs besides its payload: the invoker, and (at a leaf) a reader of shard pages. */
export interface DispatchIo {
  invoker: Invoker;
  names: DispatchFunctionNames;
  /** Shard page `page` of the library (checked against `crc32`). */
  readShardPage(page: number, crc32: number): Promise<ShardEntry[]>;
}

/** How many children one {@link dispatch} call started. */
export interface DispatchOutcome {
  dispatchers: number;
  workers: number;
}

/**
 * Some children of a dispatcher could not be invoked. The others were: a retried dispatcher
 * starts them again, which is safe only because batch results are persisted idempotently.
 */
export class DispatchError extends CdsError {
  override name = "DispatchError";
  readonly node: DispatcherNode;
  readonly failed: { functionName: string; payload: unknown; error: unknown }[];
  constructor(node: DispatcherNode, failed: DispatchError["failed"]) {
    super(
      `dispatcher at level ${node.level} (batches ${node.firstBatch}…${node.firstBatch + node.batchCount - 1}) ` +
        `could not invoke ${failed.length} of its children; first error: ${messageOf(failed[0]?.error)}`,
      { cause: failed[0]?.error },
    );
    this.node = node;
    this.failed = failed;
  }
}

/**
 * Where a library's batches are, for a rule: from its descriptor.
 *
 * @example
 * const source = batchSourceOf(descriptor, planBatchRule(descriptor));
 */
export function batchSourceOf(descriptor: LibraryDescriptor, rule: BatchRule): BatchSource {
  return {
    rule,
    count: descriptor.count,
    buildId: descriptor.buildId,
    shardPageSize: descriptor.shardPageSize,
    pageFirstItems: descriptor.pages.map((p) => p.firstItem),
    pageCrc32: descriptor.pages.map((p) => p.crc32),
  };
}

/**
 * The root payload for a search: pure, so the caller can record or inspect it before any I/O.
 * With `lanes` below the number of leaves, the search runs in waves.
 *
 * @example
 * const root = planDispatch(source, { searchId }, { lanes: 20 });
 * await dispatch(root, io);
 */
export function planDispatch<Job>(source: BatchSource, job: Job, options: DispatchTreeOptions & { lanes?: number } = {}): DispatcherPayload<Job> {
  const tree = planDispatchTree(source.rule.batchCount, options);
  const lanes = options.lanes !== undefined && options.lanes < leafCount(tree) ? Math.max(1, options.lanes) : undefined;
  return { node: rootOf(tree), tree, source, ...(lanes ? { lanes } : {}), job };
}

/**
 * Does one dispatcher's I/O: invokes its children concurrently — sub-dispatchers, or at a leaf
 * one worker per batch (after reading the shard pages its batches need) — and resolves once every
 * invocation has been accepted. In waves, only children holding a first-wave leaf are started.
 * Concurrency is not bounded here: the fan-out is at most the tree's branching factor (≤ 64).
 *
 * @example
 * export const handler = (payload: DispatcherPayload) => dispatch(payload, { invoker, names, readShardPage });
 */
export async function dispatch<Job>(payload: DispatcherPayload<Job>, io: DispatchIo): Promise<DispatchOutcome> {
  const { node, tree, lanes } = payload;
  const children = childrenOf(tree, node);
  let invocations: { functionName: string; payload: unknown }[];
  if (children.kind === "dispatchers") {
    const firstWave = lanes === undefined ? children.nodes : children.nodes.filter((child) => leafNumber(tree, child) < lanes);
    invocations = firstWave.map((child) => ({ functionName: io.names.dispatcher, payload: { ...payload, node: child, only: undefined } satisfies DispatcherPayload<Job> }));
  } else {
    const batchIds = payload.only ? payload.only.filter((id) => children.batchIds.includes(id)) : children.batchIds;
    invocations = (await workerPayloads(payload, batchIds, io)).map((worker) => ({ functionName: io.names.worker, payload: worker }));
  }
  // allSettled, not all: one refused child must not hide which others were accepted.
  const settled = await Promise.allSettled(invocations.map((i) => io.invoker.invokeAsync(i.functionName, i.payload)));
  const failed = settled.flatMap((result, k) => (result.status === "rejected" ? [{ ...invocations[k], error: result.reason as unknown }] : []));
  if (failed.length > 0) throw new DispatchError(node, failed);
  return children.kind === "dispatchers" ? { dispatchers: invocations.length, workers: 0 } : { dispatchers: 0, workers: invocations.length };
}

/**
 * The worker payloads of a leaf's batches: reads the shard pages they need (in parallel) and
 * picks each batch's shard entries.
 *
 * @example
 * const workers = await workerPayloads(leafPayload, [3, 4], io);
 */
export async function workerPayloads<Job>(payload: DispatcherPayload<Job>, batchIds: readonly number[], io: Pick<DispatchIo, "readShardPage">): Promise<WorkerPayload<Job>[]> {
  if (batchIds.length === 0) return [];
  const { source } = payload;
  const first = Math.min(...batchIds);
  const last = Math.max(...batchIds);
  const needed = shardsNeeded(source.rule, first, last - first + 1, source.count);
  const pages = "shards" in needed ? pagesOfShards(source, needed.shards) : pagesOfItems(source, needed.items);
  const entries = (await Promise.all(pages.map((p) => io.readShardPage(p, source.pageCrc32[p])))).flat();
  const firstShard = pages[0] * source.shardPageSize;
  const { tree, lanes, job } = payload;
  return batchIds.map((batchId) => {
    const { batch, shards } = batchOfRule(source.rule, batchId, entries, firstShard, source.count);
    return { batch, shards, tree, source, ...(lanes ? { lanes } : {}), job };
  });
}

/** Pages holding shard indices [from, to). */
function pagesOfShards(source: BatchSource, [from, to]: [number, number]): number[] {
  const lastPage = source.pageFirstItems.length - 1;
  const a = Math.min(lastPage, Math.floor(from / source.shardPageSize));
  const b = Math.min(lastPage, Math.floor((to - 1) / source.shardPageSize));
  return range(a, b);
}

/** Pages whose items overlap [from, to). */
function pagesOfItems(source: BatchSource, [from, to]: [number, number]): number[] {
  const starts = source.pageFirstItems;
  let a = 0;
  while (a + 1 < starts.length && starts[a + 1] <= from) a++;
  let b = a;
  while (b + 1 < starts.length && starts[b + 1] < to) b++;
  return range(a, b);
}

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, k) => a + k);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
