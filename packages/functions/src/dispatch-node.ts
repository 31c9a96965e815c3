import { readShardPage } from "@cds/core/library";
import { parseDispatcherPayload, runDispatchNode, type DispatchOutcome } from "@cds/core/planning";
import { functionNames, type PipelineDeps } from "./ports.ts";

/**
 * One node of a search's dispatch tree (invoked, not routed): starts its children, child nodes
 * or, at a leaf, workers — after reading the shard pages its batches need, and recording when it
 * started them (the sweeper treats them as in flight for a while).
 *
 * @example
 * invoker.register(functionNames.dispatchNode, (payload) => dispatchNode(payload, deps));
 */
export async function dispatchNode(payload: unknown, deps: Pick<PipelineDeps, "invoker" | "libraries" | "state">): Promise<DispatchOutcome> {
  const input = parseDispatcherPayload(payload);
  const isLeaf = input.node.level === input.tree.levels - 1;
  const [outcome] = await Promise.all([
    runDispatchNode(input, { invoker: deps.invoker, names: functionNames, readShardPage: (source, page, crc32) => readShardPage(deps.libraries(source.library), source.buildId, page, crc32) }),
    isLeaf ? deps.state.recordLeafDispatched(input.job.searchId, input.tree, input.node) : undefined,
  ]);
  return outcome;
}
