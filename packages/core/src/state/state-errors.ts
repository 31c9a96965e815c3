import { CdsError } from "../errors.ts";
import type { SearchStatus } from "../entities/search.ts";

/**
 * Base error of the state layer (entities over DynamoDB).
 *
 * @example
 * try { await state.markSearchRunning(id) } catch (e) { if (e instanceof StateError) console.error(e.message); }
 */
export class StateError extends CdsError {
  override name = "StateError";
}

/**
 * The search named does not exist.
 *
 * @example
 * if (e instanceof SearchNotFoundError) console.log(`no search ${e.searchId}`);
 */
export class SearchNotFoundError extends StateError {
  override name = "SearchNotFoundError";
  readonly searchId: string;
  constructor(searchId: string, options?: { cause?: unknown }) {
    super(`search ${searchId} does not exist`, options);
    this.searchId = searchId;
  }
}

/**
 * A status change was refused because the search was not in a status it may come from
 * (e.g. `completed` from `accepted`). `actual` is what the search's status was when the
 * write was refused; `actual === to` means the change had already happened (a repeat).
 *
 * @example
 * try { await state.markSearchCompleted(id, results) }
 * catch (e) { if (e instanceof IllegalStatusTransitionError && e.actual === "completed") return; throw e; }
 */
export class IllegalStatusTransitionError extends StateError {
  override name = "IllegalStatusTransitionError";
  readonly searchId: string;
  readonly to: SearchStatus;
  readonly allowedFrom: readonly SearchStatus[];
  readonly actual: SearchStatus;
  constructor(searchId: string, to: SearchStatus, allowedFrom: readonly SearchStatus[], actual: SearchStatus, options?: { cause?: unknown }) {
    super(
      `search ${searchId} cannot become ${to}: it is ${actual}, and only a search that is ${allowedFrom.join(" or ")} can`,
      options,
    );
    this.searchId = searchId;
    this.to = to;
    this.allowedFrom = allowedFrom;
    this.actual = actual;
  }
}

/**
 * A batch result cannot be stored: its batchId is outside the search's batches, or its
 * matches stay over DynamoDB's item limit even compressed (keep fewer top matches).
 *
 * @example
 * if (e instanceof BatchResultRejectedError) console.log(e.searchId, e.batchId, e.message);
 */
export class BatchResultRejectedError extends StateError {
  override name = "BatchResultRejectedError";
  readonly searchId: string;
  readonly batchId: number;
  constructor(searchId: string, batchId: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.searchId = searchId;
    this.batchId = batchId;
  }
}
