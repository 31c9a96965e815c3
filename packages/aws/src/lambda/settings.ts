import { DEFAULT_WORKER_BUDGET } from "@cds/core/admission";


/**
 * A setting the stack gives the function as an environment variable; a missing one is a
 * deployment mistake, so it fails loudly with the variable's name rather than as an SDK error
 * about an empty bucket name later.
 *
 * @example
 * const table = setting("CDS_STATE_TABLE");
 */
export function setting(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set: the stack must set it for this function`);
  return value;
}

/** A setting that may be absent (undefined when empty). */
export function optionalSetting(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] || undefined;
}

/**
 * A value built on first use and kept for the container's life: clients and stores are cheap to
 * build but keep connections and caches worth reusing, and building them at module load would
 * add to every cold start, even of an invocation that does not need them.
 *
 * @example
 * const state = once(() => createStateStore({ client: createDynamoDocumentClient() }));
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** A setting that must be a whole number ≥ 1 when set (undefined when absent). */
function positiveIntegerSetting(name: string, env: NodeJS.ProcessEnv, what = "a whole number ≥ 1"): number | undefined {
  const value = optionalSetting(name, env);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`environment variable ${name} must be ${what}, not "${value}"`);
  return n;
}

/**
 * Searches allowed to run at once (`CDS_MAX_RUNNING`), or undefined for no limit but the worker
 * budget.
 */
export function maxRunningSetting(env: NodeJS.ProcessEnv = process.env): number | undefined {
  return positiveIntegerSetting("CDS_MAX_RUNNING", env);
}

/**
 * Workers allowed in flight over all running searches (`CDS_WORKER_BUDGET`, default 800 of an
 * account's default 1,000 concurrent executions): admission grants each search a share of it, and
 * a search with more batches than its share runs in waves. Size it from the account's quota minus
 * the control functions' reserved concurrency (README, "Sizing a deployment").
 */
export function workerBudgetSetting(env: NodeJS.ProcessEnv = process.env): number {
  return positiveIntegerSetting("CDS_WORKER_BUDGET", env) ?? DEFAULT_WORKER_BUDGET;
}

/**
 * How long a dispatched batch counts as in flight before the sweeper dispatches it again
 * (`CDS_IN_FLIGHT_MS`; default 120 s: four times the worker's 30 s timeout, so a batch is sent
 * again only once its worker and Lambda's first retry have had their time).
 */
export function inFlightSetting(env: NodeJS.ProcessEnv = process.env): number {
  return positiveIntegerSetting("CDS_IN_FLIGHT_MS", env, "a whole number of milliseconds") ?? 120_000;
}
