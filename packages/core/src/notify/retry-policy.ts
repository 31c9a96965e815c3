/** How often and how far apart a failing webhook is retried. */
export type RetryPolicy = {
  /** Attempts in all, the first included, before a delivery is dead-lettered. */
  maxAttempts: number;
  /** Backoff before the first retry (before jitter); doubles per retry. */
  baseDelaySeconds: number;
  /** Longest backoff. */
  maxDelaySeconds: number;
};

/**
 * Default retry policy: 8 attempts, 10 s doubling to at most 15 min. The cap is SQS's
 * longest message delay (900 s), so every retry is one delayed send, and the 8 attempts
 * span about 20 minutes.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelaySeconds: 10, maxDelaySeconds: 900 };

/**
 * Seconds to wait before the retry that follows failed attempt `attempt` (from 1):
 * exponential backoff `base·2^(attempt-1)`, capped, with "equal jitter" — half fixed,
 * half random. The random half keeps many deliveries failing together (one receiver
 * down) from retrying in lockstep; the fixed half keeps a retry from firing at once.
 *
 * @example
 * retryDelaySeconds(3, DEFAULT_RETRY_POLICY); // between 20 and 40
 */
export function retryDelaySeconds(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const backoff = Math.min(policy.maxDelaySeconds, policy.baseDelaySeconds * 2 ** Math.max(0, attempt - 1));
  return backoff / 2 + random() * (backoff / 2);
}
