import { randomBytes } from "node:crypto";

// Whose a search is. A console upload becomes a one-mask submission whose id the upload API
// mints as `web-<owner>-<random>`, <owner> being the signed-in user's Cognito `sub`; intake
// copies the submission id onto the search (`submissionId`), and the search events carry the
// searchId. So the owner of any search is one GetItem away, with no owner field added to the
// pipeline's records and nothing the browser can choose: the id travels in the signed upload
// metadata. Only someone who may write to the uploads bucket directly (an operator with
// `cds submit --stage`) could mint such an id.

const PREFIX = "web-";
/** A Cognito `sub`: a UUID. Anything else is not taken as an owner. */
const OWNER_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `owner` has the shape of a Cognito `sub`. */
export function isOwner(owner: unknown): owner is string {
  return typeof owner === "string" && OWNER_PATTERN.test(owner);
}

/**
 * A new submission id for an upload by `owner`.
 *
 * @example
 * consoleSubmissionId("1f0e…-…") // "web-1f0e…-…-8c41d2a09b7e"
 */
export function consoleSubmissionId(owner: string): string {
  if (!isOwner(owner)) throw new Error("a console submission's owner must be a Cognito sub (a UUID)");
  return `${PREFIX}${owner}-${randomBytes(6).toString("hex")}`;
}

/**
 * The owner a console submission id names, or undefined for any other id (a `cds submit`
 * submission, a search without one).
 *
 * @example
 * ownerOfSubmission("web-1f0e…-8c41d2a09b7e") // "1f0e…"
 */
export function ownerOfSubmission(submissionId: string | undefined): string | undefined {
  if (!submissionId?.startsWith(PREFIX)) return undefined;
  const owner = submissionId.slice(PREFIX.length, PREFIX.length + 36);
  return isOwner(owner) && /^-[0-9a-f]{12}$/.test(submissionId.slice(PREFIX.length + 36)) ? owner : undefined;
}
