import { CdsError } from "../errors.ts";
import type { Invoker } from "../ports/invoker.ts";
import type { BatchPlan, BatchRange } from "./batch-plan.ts";
import {
  childrenOf,
  planDispatchTree,
  rootOf,
  type DispatcherNode,
  type DispatchTree,
  type DispatchTreeOptions,
} from "./dispatch-tree.ts";

/**
 * What a dispatcher needs to do its part. Each sub-dispatcher receives only the batches
 * below it: the whole list for 5,000 batches is ~200 KB of JSON, too close to an async
 * payload limit to copy into every node, while a node's slice is a few KB.
 */
export interface DispatchPlan<Job = unknown> {
  tree: DispatchTree;
  /** The node's batches (at least), in batch-id order with no gaps. */
  batches: readonly BatchRange[];
  /** Opaque to the tree, handed to every worker unchanged (burst-compute's `jobParameters`). */
  job: Job;
}

/** The payload of a dispatcher invocation. */
export interface DispatcherPayload<Job = unknown> {
  node: DispatcherNode;
  plan: DispatchPlan<Job>;
}

/** The payload of a worker invocation. */
export interface WorkerPayload<Job = unknown> {
  batch: BatchRange;
  /** All batches of the search, so the worker that completes the last one can tell. */
  batchCount: number;
  job: Job;
}

/** The deployed names of the two functions the tree invokes. */
export interface DispatchFunctionNames {
  dispatcher: string;
  worker: string;
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
 * The root payload for a batch plan: pure, so the caller can record or inspect it before
 * any I/O.
 *
 * @example
 * const root = planDispatch(planBatches(layout, { batchSize: 40 }), { searchId });
 * await dispatch(root.node, root.plan, invoker, names);
 */
export function planDispatch<Job>(batchPlan: BatchPlan, job: Job, options: DispatchTreeOptions = {}): DispatcherPayload<Job> {
  const tree = planDispatchTree(batchPlan.batches.length, options);
  return { node: rootOf(tree), plan: { tree, batches: batchPlan.batches, job } };
}

/**
 * Does one dispatcher's I/O: invokes its children (sub-dispatchers, or workers at the
 * leaves) concurrently, and resolves once every invocation has been accepted. Concurrency
 * is not bounded here: the fan-out is at most the tree's branching factor (≤ 46 up to
 * 2,048 batches, 59 at 200,000).
 *
 * @example
 * // a dispatcher function's handler
 * export const handler = (event: DispatcherPayload) =>
 *   dispatch(event.node, event.plan, invoker, { dispatcher: "search-dispatcher", worker: "search-worker" });
 */
export async function dispatch<Job>(
  node: DispatcherNode,
  plan: DispatchPlan<Job>,
  invoker: Invoker,
  names: DispatchFunctionNames,
): Promise<DispatchOutcome> {
  const children = childrenOf(plan.tree, node);
  const invocations =
    children.kind === "dispatchers"
      ? children.nodes.map((child) => ({
          functionName: names.dispatcher,
          payload: { node: child, plan: { ...plan, batches: batchesOf(plan, child) } } satisfies DispatcherPayload<Job>,
        }))
      : children.batchIds.map((batchId) => ({
          functionName: names.worker,
          payload: { batch: batchOf(plan, batchId), batchCount: plan.tree.batchCount, job: plan.job } satisfies WorkerPayload<Job>,
        }));
  // allSettled, not all: one refused child must not hide which others were accepted.
  const settled = await Promise.allSettled(invocations.map((i) => invoker.invokeAsync(i.functionName, i.payload)));
  const failed = settled.flatMap((result, k) =>
    result.status === "rejected" ? [{ ...invocations[k], error: result.reason as unknown }] : [],
  );
  if (failed.length > 0) throw new DispatchError(node, failed);
  return children.kind === "dispatchers"
    ? { dispatchers: invocations.length, workers: 0 }
    : { dispatchers: 0, workers: invocations.length };
}

function batchesOf(plan: DispatchPlan<unknown>, node: DispatcherNode): BatchRange[] {
  const from = indexOf(plan, node.firstBatch);
  indexOf(plan, node.firstBatch + node.batchCount - 1);
  return plan.batches.slice(from, from + node.batchCount);
}

function batchOf(plan: DispatchPlan<unknown>, batchId: number): BatchRange {
  return plan.batches[indexOf(plan, batchId)];
}

/** Where batch `batchId` sits in the (possibly sliced) list; checks the slice really holds it. */
function indexOf(plan: DispatchPlan<unknown>, batchId: number): number {
  const index = batchId - (plan.batches[0]?.batchId ?? 0);
  if (plan.batches[index]?.batchId !== batchId) {
    throw new RangeError(`the dispatch plan does not hold batch ${batchId} (its batches are not a gap-free slice)`);
  }
  return index;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
