import { isInFlight, type SearchItem } from "../entities/search.ts";
import { failSearch, stageFailureReason } from "../pipeline/fail-search.ts";
import type { StateStore } from "../state/service.ts";
import { admitNextSearch, checkRunningSlots, type AdmissionDeps } from "./admit.ts";
import { startSearch, type StartedSearch, type StartSearchDeps } from "./start-search.ts";

/**
 * What admission cannot do in core: announce on the runtime's bus and invoke its functions. The
 * functions package builds one from a bus and an invoker (`searchLauncher`).
 */
export interface SearchLauncher {
  /** A search was just marked running: announce it (`Search Started`) and start its dispatch tree's root node. */
  launch(started: StartedSearch): Promise<void>;
  /** Admission failed a search it could not start: announce it (`Search Failed`). */
  announceFailed(failed: SearchItem): Promise<void>;
}

/** What admitting and starting searches reads, writes and calls. */
export type AdmitWaitingDeps = Omit<AdmissionDeps, "state"> &
  Omit<StartSearchDeps, "state"> & {
    state: AdmissionDeps["state"] & StartSearchDeps["state"] & Pick<StateStore, "getSearch" | "getSearches" | "releaseRunningSlot" | "markSearchFailed">;
    launcher: SearchLauncher;
    /**
     * How this runtime runs an admission pass; default {@link admitWaitingSearches} now. The local
     * runtime passes one that folds passes asked for while one runs into a single next pass (many
     * handlers share its one process); a Lambda handles one event at a time and needs none.
     */
    admitWaiting?: () => Promise<unknown>;
  };

/**
 * Starts waiting searches, oldest first, while a running slot is free ({@link admitNextSearch}
 * takes the slot; {@link startAdmittedSearch} starts the search). Resolves the ids it started.
 *
 * @example
 * await admitWaitingSearches({ state, libraries, launcher, workerBudget: 800 });
 */
export async function admitWaitingSearches(deps: AdmitWaitingDeps): Promise<string[]> {
  const started: string[] = [];
  for (let search; (search = await admitNextSearch(deps)); ) {
    if (await startAdmittedSearch(search.searchId, deps)) started.push(search.searchId);
  }
  return started;
}

/**
 * Starts a search that holds a running slot: plans it, marks it running, and launches it. A
 * search that cannot be started (its library changed, the invoker refused) fails with the
 * dispatch stage's reason; a search that is no longer waiting gives its slot back, unless it
 * runs (another admitter started it first, and the slot is its). Resolves true when this call
 * started it.
 *
 * @example
 * if ((await state.acquireRunningSlot(id, 4)) === "acquired") await startAdmittedSearch(id, deps);
 */
export async function startAdmittedSearch(searchId: string, deps: AdmitWaitingDeps): Promise<boolean> {
  try {
    const started = await startSearch(searchId, deps);
    if (started) {
      await deps.launcher.launch(started);
      return true;
    }
  } catch (error) {
    const failed = await failSearch(searchId, "dispatch", stageFailureReason("dispatch", error), deps);
    if (failed) await deps.launcher.announceFailed(failed);
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
export async function sweepAdmission(deps: AdmitWaitingDeps): Promise<{ released: string[]; started: string[] }> {
  const check = await checkRunningSlots(deps);
  const started: string[] = [];
  for (const searchId of check.notStarted) if (await startAdmittedSearch(searchId, deps)) started.push(searchId);
  if (deps.admitWaiting) await deps.admitWaiting();
  else started.push(...(await admitWaitingSearches(deps)));
  return { released: check.released, started };
}
