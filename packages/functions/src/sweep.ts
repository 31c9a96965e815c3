import { combineSearch, decideSweep, failSearch, planSearch, sweepSubmissions, type SearchItem, type SweepDecision } from "@cds/core";
import { sweepAdmission, type AdmissionHandlerDeps } from "./admission.ts";
import { functionNames, type PipelineDeps } from "./ports.ts";
import { batchesCompletedEntry, searchCompletedEntry, searchFailedEntry, submissionCompletedEntry } from "./search-events.ts";

/** Timing of {@link sweepSearches}. */
export interface SweepSettings {
  /** Missing batches are re-run once a search (or its last re-run) is this old (default 60 s). */
  retryMissingAfterMs?: number;
  /** A search still missing batches this long after it started finishes partial or fails (default 400 s). */
  searchDeadlineMs?: number;
  /** Whether a search past its deadline may finish with partial results (default true). */
  partialAllowed?: boolean;
  /** When each search's missing batches were last re-run; keep it between sweeps. */
  retried?: Map<string, Date>;
}

/** What one sweep did, search by search. */
export type SweepReport = { searchId: string; decision: SweepDecision["kind"] }[];

type SweepDeps = Pick<PipelineDeps, "state" | "uploads" | "libraries" | "results" | "sourceImages" | "batchPlan" | "dispatchTree" | "maxRunning" | "bus" | "invoker" | "now"> &
  Pick<AdmissionHandlerDeps, "admitWaiting">;

/**
 * The periodic sweeper: for every running search, re-invoke workers for batches that went
 * missing, or after the deadline combine what exists as partial results (or fail the search);
 * a search whose counter lags its stored results is reconciled (see core `decideSweep`). Then
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
  await sweepAdmission(deps);
  for (const completed of await sweepSubmissions(deps)) await deps.bus.publish([submissionCompletedEntry(completed)]);
  return report;
}

async function sweepSearch(search: SearchItem, deps: SweepDeps, settings: SweepSettings): Promise<SweepDecision["kind"]> {
  const now = deps.now?.() ?? new Date();
  const decision = decideSweep(search, {
    missingBatches: await deps.state.listMissingBatches(search.searchId),
    now,
    startedAt: new Date(search.startedAt ?? search.submittedAt),
    retryAfterMs: settings.retryMissingAfterMs ?? 60_000,
    deadlineMs: settings.searchDeadlineMs ?? 400_000,
    partialAllowed: settings.partialAllowed ?? true,
    lastRetryAt: settings.retried?.get(search.searchId),
  });
  switch (decision.kind) {
    case "reconcile": {
      const reconciled = await deps.state.reconcileCompletedBatches(search.searchId);
      if (reconciled.reachedBatchCount) await deps.bus.publish([batchesCompletedEntry(search.searchId, search.batchCount, now)]);
      break;
    }
    case "retry": {
      settings.retried?.set(search.searchId, now);
      const { plan, job } = await planSearch(search, deps);
      for (const batchId of decision.batches) {
        await deps.invoker.invokeAsync(functionNames.worker, { batch: plan.batches[batchId], batchCount: plan.batches.length, job });
      }
      break;
    }
    case "finish-partial": {
      // combineSearch flags the document partial and lists the batches still missing.
      const combined = await combineSearch(search.searchId, deps);
      if (combined) await deps.bus.publish([searchCompletedEntry(combined)]);
      settings.retried?.delete(search.searchId);
      break;
    }
    case "fail": {
      const failed = await failSearch(search.searchId, "sweeper", decision.reason, deps);
      if (failed) await deps.bus.publish([searchFailedEntry(failed)]);
      settings.retried?.delete(search.searchId);
      break;
    }
  }
  return decision.kind;
}

/**
 * Every running search, newest first (the status index's order), across all pages.
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
  return found;
}
