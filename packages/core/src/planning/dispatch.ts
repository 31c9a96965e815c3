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
 * One library's batches in a search that may cover several: its {@link BatchSource}, its name,
 * and where its batches and items start in the search's one numbering (library k's follow
 * those of libraries 0 … k − 1), so one dispatch tree spans them all.
 */
export interface LibraryBatches extends BatchSource {
  library: string;
  firstBatch: number;
  firstItem: number;
}

/**
 * The payload of a dispatcher invocation: its node, the tree's shape, where its batches are and
 * the job. Its size does not grow with the library: no node carries a list of batches.
 */
export interface DispatcherPayload<Job = unknown> {
  node: DispatcherNode;
  tree: DispatchTree;
  /** Each searched library's batches, in the search's order (at most `MAX_LIBRARIES_PER_SEARCH`). */
  sources: LibraryBatches[];
  /** Leaves started at once (waves): leaf j + lanes starts when leaf j has completed. Absent: all. */
  lanes?: number;
  /** Start only these batches of the node (a leaf re-dispatched by the sweeper). */
  only?: number[];
  /** Opaque to the tree, handed to every worker unchanged (burst-compute's `jobParameters`). */
  job: Job;
}

/**
 * The payload of a worker invocation: its batch, the library and shards it reads, and enough to
 * count it and start the next wave. The batch's range and the shards' starts are in the search's
 * numbering, so the matches a worker reports are too.
 */
export interface WorkerPayload<Job = unknown> {
  batch: BatchRange;
  /** The library whose store holds `shards`. */
  library: string;
  shards: ShardEntry[];
  tree: DispatchTree;
  sources: LibraryBatches[];
  lanes?: number;
  job: Job;
}

/** The deployed names of the two functions the tree invokes. */
export interface DispatchFunctionNames {
  dispatchNode: string;
  worker: string;
}

/** What a dispatcher needs besides its payload: the invoker, and (at a leaf) a reader of shard pages. */
export interface DispatchIo {
  invoker: Invoker;
  names: DispatchFunctionNames;
  /** Shard page `page` of a searched library (checked against `crc32`). */
  readShardPage(source: LibraryBatches, page: number, crc32: number): Promise<ShardEntry[]>;
}

/** How many children one {@link runDispatchNode} call started. */
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
 * The searched libraries' batches, numbered as one: each library's after the previous ones'.
 *
 * @example
 * const sources = librarySources([{ library: "lm", source: batchSourceOf(descriptor, rule) }]);
 */
export function librarySources(libraries: readonly { library: string; source: BatchSource }[]): LibraryBatches[] {
  let firstBatch = 0;
  let firstItem = 0;
  return libraries.map(({ library, source }) => {
    const part = { ...source, library, firstBatch, firstItem };
    firstBatch += source.rule.batchCount;
    firstItem += source.count;
    return part;
  });
}

/** Batches of all the searched libraries. */
export function batchCountOf(sources: readonly LibraryBatches[]): number {
  return sources.reduce((n, s) => n + s.rule.batchCount, 0);
}

/**
 * The root payload for a search: pure, so the caller can record or inspect it before any I/O.
 * With `lanes` below the number of leaves, the search runs in waves.
 *
 * @example
 * const root = planDispatch(sources, { searchId }, { lanes: 20 });
 * await runDispatchNode(root, io);
 */
export function planDispatch<Job>(sources: LibraryBatches[], job: Job, options: DispatchTreeOptions & { lanes?: number } = {}): DispatcherPayload<Job> {
  const tree = planDispatchTree(batchCountOf(sources), options);
  const lanes = options.lanes !== undefined && options.lanes < leafCount(tree) ? Math.max(1, options.lanes) : undefined;
  return { node: rootOf(tree), tree, sources, ...(lanes ? { lanes } : {}), job };
}

/**
 * Runs one node of the dispatch tree (its I/O): invokes its children concurrently — sub-dispatchers, or at a leaf
 * one worker per batch (after reading the shard pages its batches need) — and resolves once every
 * invocation has been accepted. In waves, only children holding a first-wave leaf are started.
 * Concurrency is not bounded here: the fan-out is at most the tree's branching factor (≤ 64).
 *
 * @example
 * export const handler = (payload: DispatcherPayload) => runDispatchNode(payload, { invoker, names, readShardPage });
 */
export async function runDispatchNode<Job>(payload: DispatcherPayload<Job>, io: DispatchIo): Promise<DispatchOutcome> {
  const { node, tree, lanes } = payload;
  const children = childrenOf(tree, node);
  let invocations: { functionName: string; payload: unknown }[];
  if (children.kind === "dispatchers") {
    const firstWave = lanes === undefined ? children.nodes : children.nodes.filter((child) => leafNumber(tree, child) < lanes);
    invocations = firstWave.map((child) => ({ functionName: io.names.dispatchNode, payload: { ...payload, node: child, only: undefined } satisfies DispatcherPayload<Job> }));
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
 * The worker payloads of a leaf's batches: reads the shard pages they need (in parallel, per
 * library) and picks each batch's shard entries, moved into the search's numbering.
 *
 * @example
 * const workers = await workerPayloads(leafPayload, [3, 4], io);
 */
export async function workerPayloads<Job>(payload: DispatcherPayload<Job>, batchIds: readonly number[], io: Pick<DispatchIo, "readShardPage">): Promise<WorkerPayload<Job>[]> {
  const { tree, lanes, job, sources } = payload;
  const perLibrary = sources.map((source) => ({ source, ids: batchIds.filter((id) => id >= source.firstBatch && id < source.firstBatch + source.rule.batchCount) }));
  if (perLibrary.reduce((n, p) => n + p.ids.length, 0) !== batchIds.length) throw new RangeError(`batches ${batchIds.join(", ")} are not all among the search's ${batchCountOf(sources)}`);
  const payloads = await Promise.all(
    perLibrary.map(async ({ source, ids }) => {
      if (ids.length === 0) return [];
      const local = ids.map((id) => id - source.firstBatch);
      const first = Math.min(...local);
      const last = Math.max(...local);
      const needed = shardsNeeded(source.rule, first, last - first + 1, source.count);
      const pages = "shards" in needed ? pagesOfShards(source, needed.shards) : pagesOfItems(source, needed.items);
      const entries = (await Promise.all(pages.map((p) => io.readShardPage(source, p, source.pageCrc32[p])))).flat();
      const firstShard = pages[0] * source.shardPageSize;
      const shift = source.firstItem;
      return local.map((batchId): WorkerPayload<Job> => {
        const { batch, shards } = batchOfRule(source.rule, batchId, entries, firstShard, source.count);
        return {
          batch: { batchId: batchId + source.firstBatch, start: batch.start + shift, end: batch.end + shift },
          library: source.library,
          shards: shift === 0 ? shards : shards.map((s) => ({ ...s, start: s.start + shift })),
          tree,
          sources,
          ...(lanes ? { lanes } : {}),
          job,
        };
      });
    }),
  );
  const byId = new Map(payloads.flat().map((p) => [p.batch.batchId, p]));
  return batchIds.map((id) => byId.get(id)!);
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
