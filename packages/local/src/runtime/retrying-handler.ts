/**
 * A bus target's handler with Lambda's asynchronous-invocation retries: an attempt that throws is
 * tried again after each of `delaysMs` (default 1 s, 2 s — Lambda's two retries), and only the
 * last attempt's error is thrown. Handlers are idempotent (at-least-once delivery), so a step that
 * failed on a state-store IO error (ENOSPC, a dropped connection) simply runs again. No retry once
 * `stopping()` says the runtime is stopping: the next start resumes the work.
 *
 * @example
 * bus.subscribe("intake", retrying((event) => intake(event, deps), { stopping: () => stopping }));
 */
export function retrying<A extends unknown[]>(
  handle: (...args: A) => Promise<void>,
  options: { delaysMs?: readonly number[]; stopping?: () => boolean; onRetry?: (error: unknown, attempt: number) => void } = {},
): (...args: A) => Promise<void> {
  const delaysMs = options.delaysMs ?? [1000, 2000];
  return async (...args: A) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await handle(...args);
      } catch (error) {
        const delay = delaysMs[attempt - 1];
        if (delay === undefined || options.stopping?.()) throw error;
        options.onRetry?.(error, attempt);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}
