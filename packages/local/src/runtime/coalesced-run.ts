/**
 * Wraps an idempotent task so that calls made while it runs share one more run after it,
 * instead of each starting its own: however many callers arrive during a run, the task runs
 * at most once more, and every caller's promise settles after a run that started after its
 * call. The local runtime wraps admission with it: a hundred `Search Accepted` events at once
 * become one admission pass plus one, not a hundred passes racing for the same gate item
 * (which the conditional writes would keep correct, only slowly).
 *
 * @example
 * const admit = coalescedRun(() => admitWaitingSearches(deps));
 * await Promise.all([admit(), admit(), admit()]); // at most two passes
 */
export function coalescedRun(task: () => Promise<unknown>): () => Promise<void> {
  // Runs go one after another on `tail`; `queued` is the next run while it has not started.
  let tail: Promise<unknown> = Promise.resolve();
  let queued: Promise<void> | undefined;
  return () => {
    if (queued) return queued;
    const run = tail.then(async () => {
      queued = undefined; // from here on, a new caller needs a run after this one
      await task();
    });
    queued = run;
    tail = run.catch(() => undefined);
    return run;
  };
}
