import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { CdsError } from "@cds/core";
import { withBatchProgress } from "@cds/core/pipeline";
import type { StateStore } from "@cds/core/state";
import { submissionProgress, type SubmissionProgress } from "@cds/core/submission";
import { openRunningState } from "@cds/local";
import type { Io } from "../io.ts";
import { withState, type StateLocation } from "../options/state.ts";
import { submissionView, type SubmissionView, type SubmissionViewOptions } from "./submission-view.ts";

/** Options of {@link watchSubmission}. */
export interface WatchSubmissionOptions extends SubmissionViewOptions {
  /** How often the state is read (default 250 ms on a terminal, 1 s otherwise). */
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Follows a submission until its summary is written, drawing the live view; resolves its final
 * progress. Locally it reads through the running `cds dev`'s state; while none runs it says so
 * once and waits for one, without opening the state folder itself (that would lock `cds dev`
 * out). A deployed stage's table is read directly, one client for the whole follow.
 *
 * @example
 * const final = await watchSubmission(root, "sub-5b0c…", io);
 * const same = await watchSubmission({ stage: "lab" }, "sub-5b0c…", io);
 */
export async function watchSubmission(where: StateLocation, submissionId: string, io: Io, options: WatchSubmissionOptions = {}): Promise<SubmissionProgress> {
  const view = submissionView(io, options);
  const follow = { intervalMs: options.intervalMs ?? (io.isTty ? 250 : 1000), signal: options.signal };
  if (typeof where !== "string") return withState(where, (state) => followState(state, submissionId, view, follow));
  const root = where;
  const stateFolder = join(root, "state");
  let toldNoRuntime = false;
  let failedReads = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const running = await openRunningState(stateFolder);
    if (!running) {
      if (!toldNoRuntime) {
        // One direct read: a finished submission needs no runtime to be shown.
        const progress = await withState(root, (state) => readSubmissionProgress(state, submissionId));
        if (progress.status === "completed") {
          view.finish(progress);
          return progress;
        }
        view.update(progress);
        view.note(`no \`cds dev\` is running on ${root}: the queued searches run once it starts (\`cds dev --root ${root}\`); waiting…`);
        toldNoRuntime = true;
      }
      await sleep(1000, undefined, { signal: options.signal });
      continue;
    }
    try {
      return await followState(running.state, submissionId, view, follow, () => (failedReads = 0));
    } catch (error) {
      if (error instanceof CdsError || options.signal?.aborted || ++failedReads >= 5) throw error;
      // The runtime went away mid-read (stopped, restarted): look for it again.
      await sleep(follow.intervalMs, undefined, { signal: options.signal });
    } finally {
      await running.close();
    }
  }
}

/**
 * Polls one state store until the submission completes, drawing each reading; `onRead` is told
 * of every successful read (the local follow counts failures in a row by it).
 */
async function followState(
  state: StateStore,
  submissionId: string,
  view: SubmissionView,
  { intervalMs, signal }: { intervalMs: number; signal?: AbortSignal },
  onRead?: () => void,
): Promise<SubmissionProgress> {
  for (;;) {
    signal?.throwIfAborted();
    const progress = await readSubmissionProgress(state, submissionId);
    if (progress.status === "completed") {
      view.finish(progress);
      return progress;
    }
    view.update(progress);
    onRead?.();
    await sleep(intervalMs, undefined, { signal });
  }
}

/**
 * A submission's progress as the state holds it now. Ended masks are told by their recorded
 * outcomes; only the searches holding a running slot are read (at most the running limit), for
 * their batches — a poll stays a few reads however many masks wait.
 *
 * @example
 * const progress = await readSubmissionProgress(state, submissionId);
 */
export async function readSubmissionProgress(state: StateStore, submissionId: string): Promise<SubmissionProgress> {
  const submission = await state.getSubmission(submissionId);
  if (!submission) throw new CdsError(`no submission ${submissionId}; \`cds submissions list\` shows the ones there are`);
  const masks = await state.listSubmissionMasks(submissionId);
  const unfinished = new Set(masks.filter((mask) => mask.searchId && !mask.outcome).map((mask) => mask.searchId!));
  const searches = await state.getSearches((await state.listSlotHolders()).filter((searchId) => unfinished.has(searchId)));
  return submissionProgress(submission, masks, await withBatchProgress(state, searches));
}
