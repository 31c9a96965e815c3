import type { SearchItem } from "@cds/core/entities";
import type { SearchJob } from "@cds/core/pipeline";
import type { DispatcherPayload, DispatchTreeOptions, WorkerPayload } from "@cds/core/planning";
import { admission, dispatchNode, functionNames, inProcessBatchScorer, searchAcceptedEntry, worker } from "@cds/functions";
import type { HandlerParts } from "@cds/testing/handler-parts-on-dynalite";
import { localEvent } from "@cds/local";

// Searches brought part of the way through the pipeline by its own handlers, for the tests of
// the handlers that come after: admission's start, the dispatch tree, the worker.

/** A started search: its root dispatcher's payload, and the worker payloads its dispatch tree produced. */
export interface StartedSearch {
  search: SearchItem;
  root: DispatcherPayload<SearchJob>;
  workers: WorkerPayload<SearchJob>[];
}

/**
 * Accepts a mask and has the admission handler start its search (on its `Search Accepted`):
 * the search as it now runs, and the root payload admission invoked. The bus's and the
 * invoker's records are cleared after.
 *
 * @example
 * const { search, root } = await admittedSearch(parts, { levels: 2 });
 */
export async function admittedSearch(parts: HandlerParts, dispatchTree?: DispatchTreeOptions): Promise<Omit<StartedSearch, "workers">> {
  const accepted = await parts.acceptMask();
  await admission(localEvent(searchAcceptedEntry(accepted)), { state: parts.state, libraries: parts.libraries, bus: parts.bus, invoker: parts.invoker, dispatchTree });
  const [root] = parts.invoker.payloadsOf(functionNames.dispatchNode) as DispatcherPayload<SearchJob>[];
  const search = await parts.state.getSearch(accepted.searchId);
  if (!root || search?.status !== "running") throw new Error(`admission did not start search ${accepted.searchId}`);
  parts.bus.published.length = 0;
  parts.invoker.invocations.length = 0;
  return { search, root };
}

/**
 * A search admission started ({@link admittedSearch}), its dispatch tree run (every node, through
 * `dispatchNode` on the recording invoker) to its worker payloads; the invoker's record is
 * cleared after. With `lanes`, the root runs in waves (only the first wave's workers).
 *
 * @example
 * const { search, workers } = await startedSearch(parts, { dispatchTree: { levels: 2 } });
 */
export async function startedSearch(parts: HandlerParts, options: { dispatchTree?: DispatchTreeOptions; lanes?: number } = {}): Promise<StartedSearch> {
  const started = await admittedSearch(parts, options.dispatchTree);
  const ports = { invoker: parts.invoker, libraries: parts.libraries, state: parts.state };
  let pending: DispatcherPayload<SearchJob>[] = [{ ...started.root, ...(options.lanes ? { lanes: options.lanes } : {}) }];
  while (pending.length > 0) {
    const before = parts.invoker.invocations.length;
    for (const payload of pending) await dispatchNode(payload, ports);
    pending = parts.invoker.invocations.slice(before).filter((call) => call.functionName === functionNames.dispatchNode).map((call) => call.payload as DispatcherPayload<SearchJob>);
  }
  const workers = parts.invoker.payloadsOf(functionNames.worker) as WorkerPayload<SearchJob>[];
  parts.invoker.invocations.length = 0;
  return { ...started, workers };
}

/**
 * A started search ({@link startedSearch}) whose batches the worker scored with the in-process
 * scorer, but for those in `skip`; the bus's record is cleared after.
 *
 * @example
 * const { search } = await scoredSearch(parts, { skip: [2] });
 */
export async function scoredSearch(parts: HandlerParts, options: { skip?: number[]; dispatchTree?: DispatchTreeOptions } = {}): Promise<StartedSearch> {
  const started = await startedSearch(parts, { dispatchTree: options.dispatchTree });
  const scorer = inProcessBatchScorer({ uploads: parts.uploads, libraries: parts.libraries });
  for (const payload of started.workers) {
    if (!options.skip?.includes(payload.batch.batchId)) await worker(payload, { state: parts.state, bus: parts.bus, invoker: parts.invoker, scorer });
  }
  parts.bus.published.length = 0;
  parts.invoker.invocations.length = 0;
  return started;
}
