import { ParameterError } from "../errors.ts";
import { isInFlight, type SearchItem, type SearchStatus } from "../entities/search.ts";
import type { StateStore } from "../state/service.ts";

/**
 * Workers a deployment keeps in flight when it says nothing (`CDS_WORKER_BUDGET`): 800 of an
 * account's default 1,000 concurrent executions, leaving room for the control functions'
 * reserved concurrency and for anything else the account runs.
 */
export const DEFAULT_WORKER_BUDGET = 800;

/**
 * The fewest workers a search starts with: one leaf of the dispatch tree (its fan-out is at most
 * 64). A search that would get less waits until enough of the budget is free.
 */
export const MIN_WORKER_GRANT = 64;

/** Rounds {@link admitNextSearch} tries when other admitters keep taking the slot or search it chose. */
const ADMISSION_ROUNDS = 20;

/**
 * The default limit of running searches for a machine with `scorerThreads` scoring threads:
 * half the threads, at least 2. At least 2 because a search has stretches that use no scoring
 * thread (intake's decode, dispatch, the combiner writing the results page) and a second search
 * keeps the threads busy meanwhile; no more than half the threads because every running search
 * queues all its batches at once, so each added search adds its whole length to the wait of
 * every search admitted after it without adding throughput once the threads are busy. Measured
 * (`npm run bench:submit`, 100 masks × 2,000 targets, 2 cores): K = 1 126 masks/min, K = 2 157,
 * K = 4 152, K = 8 149.
 *
 * @example
 * defaultMaxRunning(2)  // 2
 * defaultMaxRunning(16) // 8
 */
export function defaultMaxRunning(scorerThreads: number): number {
  return Math.max(2, Math.floor(scorerThreads / 2));
}

/**
 * Checks a limit of running searches: a whole number ≥ 1.
 *
 * @example
 * checkMaxRunning(4) // 4
 */
export function checkMaxRunning(maxRunning: number): number {
  if (!Number.isInteger(maxRunning) || maxRunning < 1) {
    throw new ParameterError("maxRunning", `the number of searches running at once must be a whole number ≥ 1, got ${maxRunning}`);
  }
  return maxRunning;
}

/** What admission reads and writes. */
export interface AdmissionDeps {
  state: Pick<StateStore, "listSlotHolders" | "acquireRunningSlot" | "listWaitingSearches">;
  /** At most this many searches hold a running slot (and so run) at once; default: no limit but the budget. */
  maxRunning?: number;
  /**
   * At most this many workers in flight over all running searches; default: no limit. A search is
   * granted min(its batches, what is free) and runs in waves when that is less than its batches.
   */
  workerBudget?: number;
}

/**
 * Admission: gives the oldest waiting search that holds no running slot a slot, if one of
 * `maxRunning` is free, and returns it for the caller to start (`startSearch`); undefined when
 * every slot is taken or nobody waits. Call it until it returns undefined.
 *
 * Why at most `maxRunning` searches run: a search is marked running only by `startSearch`, and
 * only searches holding a slot are started; the slot is taken by one conditional write on the
 * gate item that adds the search only while fewer than `maxRunning` hold one
 * (`acquireRunningSlot`), and is given back only once its search has completed or failed. Racing
 * admitters (two events at once, a redelivery, the sweeper) cannot over-fill the gate, and one
 * that picked a search another admitter already holds a slot for just looks again. Waiting
 * searches are the accepted ones, oldest first, so they start in arrival order, and nothing is
 * dropped: a search waits in the state table for as long as it takes.
 *
 * @example
 * for (let search; (search = await admitNextSearch({ state, maxRunning: 4 })); ) await start(search.searchId);
 */
export async function admitNextSearch(deps: AdmissionDeps): Promise<SearchItem | undefined> {
  const limit = deps.maxRunning === undefined ? Infinity : checkMaxRunning(deps.maxRunning);
  const workerBudget = deps.workerBudget === undefined ? Infinity : checkWorkerBudget(deps.workerBudget);
  for (let round = 0; round < ADMISSION_ROUNDS; round++) {
    const holders = new Set(await deps.state.listSlotHolders());
    if (holders.size >= limit) return undefined;
    // A few candidates beyond the searches holding slots but not started yet: racing admitters
    // that all picked the first one move on down the queue instead of re-reading.
    const waiting = (await deps.state.listWaitingSearches(holders.size + Math.min(limit, 16))).filter((search) => !holders.has(search.searchId));
    if (waiting.length === 0) return undefined;
    for (const next of waiting) {
      const acquisition = await deps.state.acquireRunningSlot(next.searchId, { maxRunning: limit, workerBudget, wantWorkers: next.batchCount, minWorkers: MIN_WORKER_GRANT });
      if (acquisition === "acquired") return next;
      // "held": another admitter took a slot for this one (and starts it); try the next.
      if (acquisition === "full") break;
    }
    // The gate filled up under us (or every candidate was taken): look again.
  }
  return undefined;
}

/**
 * Checks a worker budget: a whole number ≥ 1.
 *
 * @example
 * checkWorkerBudget(800) // 800
 */
export function checkWorkerBudget(workerBudget: number): number {
  if (!Number.isInteger(workerBudget) || workerBudget < 1) {
    throw new ParameterError("workerBudget", `the worker budget must be a whole number ≥ 1, got ${workerBudget}`);
  }
  return workerBudget;
}

/** What {@link checkRunningSlots} found and did. */
export interface SlotCheck {
  /** Slots given back: their searches had completed or failed (or were gone). */
  released: string[];
  /** Searches holding a slot while still accepted: their admitter stopped before starting them. */
  notStarted: string[];
}

/**
 * Restart-safety for admission (the sweeper and a restarting runtime call it): gives back the
 * slots of searches that are no longer in flight — their `Search Completed` / `Search Failed`
 * was lost, or the process died between finishing a search and freeing its slot — and reports
 * searches that hold a slot but were never started (their admitter died between taking the
 * slot and starting them), for the caller to start; starting is idempotent, so a search another
 * admitter is starting right now is started once.
 *
 * @example
 * const { notStarted } = await checkRunningSlots({ state });
 * for (const searchId of notStarted) await start(searchId);
 */
export async function checkRunningSlots(deps: { state: Pick<StateStore, "listSlotHolders" | "getSearches" | "releaseRunningSlot"> }): Promise<SlotCheck> {
  const holders = await deps.state.listSlotHolders();
  const byId = new Map((await deps.state.getSearches(holders)).map((search) => [search.searchId, search]));
  const check: SlotCheck = { released: [], notStarted: [] };
  for (const searchId of holders) {
    const status = byId.get(searchId)?.status;
    if (status === "accepted") check.notStarted.push(searchId);
    else if (!isInFlight(status)) {
      await deps.state.releaseRunningSlot(searchId);
      check.released.push(searchId);
    }
  }
  return check;
}

