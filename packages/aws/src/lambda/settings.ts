
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

/**
 * Searches allowed to run at once (`CDS_MAX_RUNNING`), or undefined for core's default. A stage
 * sizes it from the Lambda concurrency it may use: each running search keeps up to one worker
 * per batch busy.
 */
export function maxRunningSetting(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = optionalSetting("CDS_MAX_RUNNING", env);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`environment variable CDS_MAX_RUNNING must be a whole number ≥ 1, not "${value}"`);
  return n;
}
