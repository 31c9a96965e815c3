import { sweepAdmission, type AdmitWaitingDeps } from "@cds/core/admission";
import type { SearchItem } from "@cds/core/entities";
import { combineSearch, decideSweep, failSearch, leafPayloads, planSearch, type SweepDecision } from "@cds/core/pipeline";
import { mapLimited } from "@cds/core/state";
import { sweepSubmissions } from "@cds/core/submission";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { searchLauncher } from "./search-launcher.ts";
import { batchesCompletedEntry, searchCompletedEntry, searchFailedEntry, submissionCompletedEntry } from "./search-events.ts";

/** Timing of {@link sweepSearches}. */
export interface SweepSettings {
  /**
   * How long a leaf's batches count as in flight after it was dispatched (or, never dispatched,
   * after the search started): only then are its missing batches dispatched again (default 60 s;
   * on AWS at least the worker's timeout).
   */
  retryMissingAfterMs?: number;
  /** A search still missing batches this long after it started finishes partial or fails (default 400 s). */
  searchDeadlineMs?: number;
  /** Whether a search past its deadline may finish with partial results (default true). */
  partialAllowed?: boolean;
}

/** What one sweep did, search by search. */
export type SweepReport = { searchId: string; decision: SweepDecision["kind"] }[];

type SweepDeps = Pick<PipelineDeps, "state" | "uploads" | "libraries" | "results" | "sourceImages" | "shapeLut" | "batchPlan" | "dispatchTree" | "maxRunning" | "bus" | "invoker" | "now"> &
  Pick<AdmitWaitingDeps, "admitWaiting">;

/** Leaves re-dispatched at once (each a small async invoke): a 3,000-batch search's ≤ 200 leaves take a few rounds. */
const REDISPATCH_CONCURRENCY = 32;

/**
 * The periodic sweeper: for every running search, dispatch again — through their leaves, in
 * parallel — the batches that are neither recorded nor in flight, or after the deadline combine
 * what exists as partial results (or fail the search); a search whose counting lags its stored
 * results is reconciled, one whose completion event was lost is announced again (see core
 * `decideSweep`). Then
 * what events may have missed: running slots of searches that ended are given back and waiting
 * searches admitted (`sweepAdmission`), and open submissions whose searches have all ended are
 * completed (`sweepSubmissions`). The report lists the running searches' decisions.
 *
 * @example
 * setInterval(() => void sweepSearches(deps, { searchDeadlineMs: 400_000 }), 30_000);
 */
export async function sweepSearches(deps: SweepDeps, settings: SweepSettings = {}): Promise<SweepReport> {
  const report: SweepReport = [];
  for (const search of await runningSearches(deps)) {
    report.push({ searchId: search.searchId, decision: await sweepSearch(search, deps, settings) });
  }
  await sweepAdmission({ ...deps, launcher: searchLauncher(deps) });
  for (const completed of await sweepSubmissions(deps)) await deps.bus.publish([submissionCompletedEntry(completed)]);
  return report;
}

async function sweepSearch(search: SearchItem, deps: SweepDeps, settings: SweepSettings): Promise<SweepDecision["kind"]> {
  const now = deps.now?.() ?? new Date();
  const planned = await planSearch(search, deps);
  const { tree } = planned;
  const [missingBatches, leaves, announcedAt] = await Promise.all([
    deps.state.listMissingBatches(search.searchId, tree),
    deps.state.listLeafStates(search.searchId, tree),
    deps.state.rootAnnouncedAt(search.searchId, tree),
  ]);
  const decision = decideSweep(search, {
    missingBatches,
    leaves,
    ...(announcedAt ? { announcedAt } : {}),
    now,
    startedAt: new Date(search.startedAt ?? search.submittedAt),
    retryAfterMs: settings.retryMissingAfterMs ?? 60_000,
    deadlineMs: settings.searchDeadlineMs ?? 400_000,
    partialAllowed: settings.partialAllowed ?? true,
  });
  switch (decision.kind) {
    case "reconcile": {
      const reconciled = await deps.state.reconcileCompletion(search.searchId, tree);
      if (reconciled.reachedBatchCount) await deps.bus.publish([batchesCompletedEntry(search.searchId, search.batchCount)]);
      break;
    }
    case "announce":
      await deps.bus.publish([batchesCompletedEntry(search.searchId, search.batchCount)]);
      break;
    case "retry": {
      const payloads = leafPayloads(planned, decision.leaves.flatMap((l) => l.batches), search.lanes);
      await mapLimited(payloads, REDISPATCH_CONCURRENCY, (payload) => deps.invoker.invokeAsync(functionNames.dispatchNode, payload));
      break;
    }
    case "finish-partial": {
      // combineSearch flags the document partial and lists the batches still missing.
      const combined = await combineSearch(search.searchId, deps);
      if (combined) await deps.bus.publish([searchCompletedEntry(combined)]);
      break;
    }
    case "fail": {
      const failed = await failSearch(search.searchId, "sweeper", decision.reason, deps);
      if (failed) await deps.bus.publish([searchFailedEntry(failed)]);
      break;
    }
  }
  return decision.kind;
}

/**
 * Every running search: newest first as the status index lists them (all pages), then any slot
 * holder that is running but not in the index yet.
 *
 * @example
 * for (const search of (await runningSearches({ state })).reverse()) await resume(search, deps);
 */
export async function runningSearches(deps: Pick<SweepDeps, "state">): Promise<SearchItem[]> {
  const found: SearchItem[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.state.listSearchesByStatus("running", { cursor });
    found.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  // The status index can lag its items (a GSI is eventually consistent): the slot holders, read
  // from their main records, add any running search it does not list yet.
  const listed = new Set(found.map((search) => search.searchId));
  const holders = (await deps.state.listSlotHolders()).filter((searchId) => !listed.has(searchId));
  for (const search of await deps.state.getSearches(holders)) if (search.status === "running") found.push(search);
  return found;
}
