import { admitNextSearch, checkRunningSlots, isInFlight } from "@cds/core";
import { startAcceptedSearch } from "./start-accepted-search.ts";
import type { PipelineDeps } from "./ports.ts";
import { stageFailed } from "./sweeper.ts";

/** The ports admission uses: the state's slots and queue, and what starting a search needs. */
export type AdmissionHandlerDeps = Pick<PipelineDeps, "state" | "libraries" | "batchPlan" | "dispatchTree" | "bus" | "invoker" | "maxRunning" | "workerBudget" | "now"> & {
  /**
   * How this runtime runs an admission pass; default {@link admitWaitingSearches} now. The local
   * runtime passes one that folds passes asked for while one runs into a single next pass (many
   * handlers share its one process); a Lambda handles one event at a time and needs none.
   */
  admitWaiting?: () => Promise<unknown>;
};

/**
 * Starts waiting searches, oldest first, while a running slot is free (core `admitNextSearch`
 * takes the slot; this starts the search: marks it running, emits Search Started, invokes the
 * root dispatcher). Resolves the ids it started.
 *
 * @example
 * await admitWaitingSearches({ ...deps, workerBudget: 800 });
 */
export async function admitWaitingSearches(deps: AdmissionHandlerDeps): Promise<string[]> {
  const started: string[] = [];
  for (let search; (search = await admitNextSearch({ state: deps.state, maxRunning: deps.maxRunning, workerBudget: deps.workerBudget })); ) {
    if (await startAdmittedSearch(search.searchId, deps)) started.push(search.searchId);
  }
  return started;
}

/**
 * Starts a search that holds a running slot. A search that cannot be started (its library
 * changed, the invoker refused) fails with the dispatch stage's reason; a search that is no
 * longer waiting gives its slot back, unless it runs (another admitter started it first, and
 * the slot is its). Resolves true when this call started it.
 *
 * @example
 * if ((await state.acquireRunningSlot(id, 4)) === "acquired") await startAdmittedSearch(id, deps);
 */
export async function startAdmittedSearch(searchId: string, deps: AdmissionHandlerDeps): Promise<boolean> {
  try {
    if (await startAcceptedSearch(searchId, deps)) return true;
  } catch (error) {
    await stageFailed(searchId, "dispatch", error, deps);
  }
  if (!isInFlight((await deps.state.getSearch(searchId))?.status)) await deps.state.releaseRunningSlot(searchId);
  return false;
}

/**
 * Admission's restart-safety pass (the sweeper runs it, and a restarting runtime): gives back
 * the slots of searches that ended without their slot being freed, starts the searches that
 * took a slot but were never started, then admits waiting searches into the free slots.
 *
 * @example
 * const { released, started } = await sweepAdmission(deps);
 * // `started` lists only what this call started itself (not a pass run through `admitWaiting`)
 */
export async function sweepAdmission(deps: AdmissionHandlerDeps): Promise<{ released: string[]; started: string[] }> {
  const check = await checkRunningSlots(deps);
  const started: string[] = [];
  for (const searchId of check.notStarted) if (await startAdmittedSearch(searchId, deps)) started.push(searchId);
  if (deps.admitWaiting) await deps.admitWaiting();
  else started.push(...(await admitWaitingSearches(deps)));
  return { released: check.released, started };
}
