import { createRequire } from "node:module";

/** The callback-style LevelDB methods dynalite's actions use. */
type Callback = (error: unknown, value?: unknown) => void;
type LevelLike = Record<"put" | "del" | "batch" | "get", (...args: unknown[]) => unknown>;
type DynaliteDbModule = { create: (options: unknown) => { db: LevelLike }; __cdsIoErrorsAnswered?: boolean };

/**
 * Makes dynalite answer a storage failure (ENOSPC, EIO — LevelDB's "IO error") with HTTP 500
 * `InternalServerError`, as DynamoDB does, instead of throwing it: dynalite 4.0's request handler
 * rethrows any error without a status code from inside a LevelDB callback, where nothing can
 * catch it, so a full disk killed the whole `cds dev` process. With a 500 the AWS SDK retries,
 * then the state call rejects; the step that made it fails and is retried, and the process
 * lives on. Errors dynalite handles itself (not found, undecodable values) pass unchanged.
 *
 * dynalite's `db` module is the one place every store is created, so wrapping its `create` covers
 * every server this process starts. Idempotent.
 *
 * @example
 * answerStorageErrorsWith500();
 * const server = dynalite({ path: folder });
 */
export function answerStorageErrorsWith500(): void {
  const db = createRequire(import.meta.url)("dynalite/db") as DynaliteDbModule;
  if (db.__cdsIoErrorsAnswered) return;
  const create = db.create;
  db.create = (options: unknown) => {
    const store = create(options);
    for (const method of ["put", "del", "batch", "get"] as const) {
      const original = store.db[method].bind(store.db);
      store.db[method] = (...args: unknown[]) => {
        const last = args.length - 1;
        if (typeof args[last] === "function") {
          const callback = args[last] as Callback;
          args[last] = (error: unknown, value?: unknown) => callback(asServiceError(error), value);
        }
        return original(...args);
      };
    }
    return store;
  };
  db.__cdsIoErrorsAnswered = true;
}

/** The error dynalite sends as a response: status 500 and DynamoDB's InternalServerError body. */
function asServiceError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const e = error as Error & { statusCode?: number; code?: string };
  if (e.statusCode !== undefined || e.name === "NotFoundError" || e.code === "LEVEL_NOT_FOUND" || e.code === "LEVEL_DECODE_ERROR") return error;
  return Object.assign(error, {
    statusCode: 500,
    body: { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: `the local state store could not complete the request: ${e.message}` },
  });
}
