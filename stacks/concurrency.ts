import type { LambdaEntry } from "./Pipeline.ts";

// How a stage shares the account's Lambda concurrency. The control functions get reserved
// concurrency, so that a burst of workers can never throttle them (a throttled intake or combiner
// delays every search); the workers run from the unreserved pool, and admission keeps the workers
// in flight within CDS_WORKER_BUDGET, so they leave room there for the dispatch tree, webhook
// delivery and whatever else the account runs. README "Concurrency and alarms" says how to size it.

/** Lambda refuses a reservation that leaves less than this unreserved in the account. */
export const LAMBDA_MIN_UNRESERVED = 100;

/** An account's default concurrency quota (Service Quotas: "Concurrent executions"). */
export const DEFAULT_ACCOUNT_CONCURRENCY = 1000;

/** Workers in flight at once, of all running searches together, unless `.env.<stage>` says otherwise. */
export const DEFAULT_WORKER_BUDGET = 800;

/**
 * Reserved concurrency per function; undefined runs from the unreserved pool. A reservation is
 * also a ceiling: an invocation past it is throttled, which for these asynchronously invoked
 * functions means Lambda queues it and retries (up to the event's maximum age), not that it is lost.
 *
 * - intake 10: one per upload, ~1 s each; a 100-mask `cds submit` is taken in ~10 s, far ahead
 *   of the searches it starts.
 * - admission 5: runs on conditional writes and is short; more at once only contend.
 * - combiner 15: one per finished search, a few seconds each; 100 masks finishing at 50+ a
 *   minute keep ~10 busy.
 * - submission-tracking 5: one per finished search, a few state writes (the summary once per
 *   submission); with the combiner's 15 the 20 the combiner had when it did both.
 * - notify 5: one per finished search or submission, a few AWS calls.
 * - on-failure 10: a burst of failed workers hands each batch to it; queued past 10, not lost.
 * - sweeper 5: the minute's sweep (it may overlap the previous one, 2 minutes' timeout); its
 *   events expire after 2 minutes, so it must not wait long.
 * - worker: unreserved, bounded by the budget instead (a reservation of 800 would hold 800 idle).
 * - dispatch-node: unreserved; a tree is a few dozen invocations of well under a second (30 for a
 *   wave of 800 batches; 216 if 3,000 batches were dispatched at once), and a ceiling would slow
 *   every fan-out.
 * - webhook-delivery: unreserved, held to 5 by its SQS event source's maximum concurrency
 *   (a reservation would throttle the poller and push messages toward the dead-letter queue).
 */
export const reservedConcurrency = {
  intake: 10,
  admission: 5,
  "dispatch-node": undefined,
  worker: undefined,
  combiner: 15,
  "submission-tracking": 5,
  notify: 5,
  "webhook-delivery": undefined,
  sweeper: 5,
  "on-failure": 10,
} as const satisfies Record<LambdaEntry, number | undefined>;

/** Webhook deliveries at once: the SQS event source's maximum concurrency (Lambda's minimum is 2). */
export const WEBHOOK_MAX_CONCURRENCY = 5;

/** How the stage uses the account's concurrency, from the deploy's environment. */
export interface ConcurrencyPlan {
  /** `CDS_ACCOUNT_CONCURRENCY`: the account's quota in this region (default 1,000). */
  accountConcurrency: number;
  /** The reservation per function; empty with `CDS_RESERVED_CONCURRENCY=off`. */
  reserved: Partial<Record<LambdaEntry, number>>;
  reservedTotal: number;
  /** `CDS_WORKER_BUDGET`: workers in flight at once (default 800). */
  workerBudget: number;
  /** What the budget leaves unreserved and unused by workers: dispatchers, webhooks, other functions. */
  headroom: number;
}

/**
 * The stage's concurrency plan, checked against the account's quota: the deploy stops here, with
 * the numbers, rather than at CloudFormation's refusal of a reservation, or later as throttled
 * searches.
 *
 * @example
 * concurrencyPlan({ CDS_WORKER_BUDGET: "600" }); // { workerBudget: 600, reservedTotal: 55, headroom: 345, … }
 */
export function concurrencyPlan(env: NodeJS.ProcessEnv = process.env): ConcurrencyPlan {
  const accountConcurrency = wholeNumber(env, "CDS_ACCOUNT_CONCURRENCY", DEFAULT_ACCOUNT_CONCURRENCY);
  const workerBudget = wholeNumber(env, "CDS_WORKER_BUDGET", DEFAULT_WORKER_BUDGET);
  const reserving = env.CDS_RESERVED_CONCURRENCY?.trim().toLowerCase() !== "off";
  const reserved: Partial<Record<LambdaEntry, number>> = {};
  if (reserving) {
    for (const [entry, n] of Object.entries(reservedConcurrency)) if (n !== undefined) reserved[entry as LambdaEntry] = n;
  }
  const reservedTotal = Object.values(reserved).reduce((sum, n) => sum + n, 0);
  if (reservedTotal > 0 && accountConcurrency - reservedTotal < LAMBDA_MIN_UNRESERVED) {
    throw new Error(
      `reserving ${reservedTotal} of the account's ${accountConcurrency} concurrent executions (CDS_ACCOUNT_CONCURRENCY) leaves ` +
        `${accountConcurrency - reservedTotal} unreserved, under Lambda's minimum of ${LAMBDA_MIN_UNRESERVED}: raise the account's ` +
        `quota (Service Quotas → Lambda → Concurrent executions), or set CDS_RESERVED_CONCURRENCY=off`,
    );
  }
  const headroom = accountConcurrency - reservedTotal - workerBudget;
  if (headroom < LAMBDA_MIN_UNRESERVED) {
    throw new Error(
      `CDS_WORKER_BUDGET=${workerBudget} leaves ${headroom} of the account's ${accountConcurrency} concurrent executions ` +
        `(CDS_ACCOUNT_CONCURRENCY) besides the ${reservedTotal} reserved for the control functions; the dispatch tree, webhook ` +
        `delivery and the account's other functions need at least ${LAMBDA_MIN_UNRESERVED}: set CDS_WORKER_BUDGET to at most ` +
        `${accountConcurrency - reservedTotal - LAMBDA_MIN_UNRESERVED}, or raise the quota and CDS_ACCOUNT_CONCURRENCY`,
    );
  }
  return { accountConcurrency, reserved, reservedTotal, workerBudget, headroom };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${value}"`);
  return n;
}
