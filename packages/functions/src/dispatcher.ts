import { dispatch, type DispatcherPayload, type DispatchOutcome, type SearchJob } from "@cds/core";
import { functionNames, type PipelineDeps } from "./ports.ts";

/**
 * The dispatcher function (invoked, not routed): starts its children in the dispatch tree,
 * sub-dispatchers or, at the leaves, workers.
 *
 * @example
 * invoker.register(functionNames.dispatcher, (payload) => dispatcher(payload, deps));
 */
export function dispatcher(payload: unknown, deps: Pick<PipelineDeps, "invoker">): Promise<DispatchOutcome> {
  const { node, plan } = payload as DispatcherPayload<SearchJob>;
  return dispatch(node, plan, deps.invoker, functionNames);
}
