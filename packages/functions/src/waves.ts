import type { SearchJob } from "@cds/core/pipeline";
import { leafAt, leafCount, leafNumber, type DispatcherNode, type DispatcherPayload, type WorkerPayload } from "@cds/core/planning";

/**
 * The leaf dispatcher payload of the next wave after `completed`, or undefined when the search
 * does not run in waves or no leaf follows: leaf j + lanes starts when leaf j completes, so at
 * most `lanes` leaves — the search's worker grant — run at once.
 *
 * @example
 * const next = nextWave(payload, recording.completedLeaf);
 * if (next) await invoker.invokeAsync("search-dispatch-node", next);
 */
export function nextWave(payload: WorkerPayload<SearchJob>, completed: DispatcherNode): DispatcherPayload<SearchJob> | undefined {
  const { tree, lanes, sources, job } = payload;
  if (lanes === undefined) return undefined;
  const next = leafNumber(tree, completed) + lanes;
  if (next >= leafCount(tree)) return undefined;
  return { node: leafAt(tree, next), tree, sources, lanes, job };
}
