// @cds/core's public surface: the names of @cds/core/planning that other packages import, listed by name.
export { planBatches, planBatchRule } from "./batch-plan.ts";
export type { BatchPlanOptions, BatchRange } from "./batch-plan.ts";
export { childCount, childrenOf, leafAt, leafCount, leafNumber, leafOf, nodeId, parentOf, planDispatchTree, rootOf } from "./dispatch-tree.ts";
export type { DispatcherNode, DispatchTree, DispatchTreeOptions } from "./dispatch-tree.ts";
export { batchSourceOf, librarySources, planDispatch, runDispatchNode } from "./dispatch.ts";
export type { BatchSource, DispatcherPayload, DispatchOutcome, LibraryBatches, WorkerPayload } from "./dispatch.ts";
export { parseDispatcherPayload, parseWorkerPayload } from "./payload-schemas.ts";
