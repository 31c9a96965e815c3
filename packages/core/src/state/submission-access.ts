import type { EntityClause } from "../entities/entity-clause.ts";
import type { SubmissionEntity, SubmissionItem, SubmissionStatus } from "../entities/submission.ts";
import type { MaskOutcome, SubmissionMaskEntity, SubmissionMaskItem } from "../entities/submission-mask.ts";
import { isConditionFailure } from "./condition-failure.ts";
import { StateError } from "./state-errors.ts";

/** A mask of a new submission, as `cds submit` planned it. */
export type NewSubmissionMask = Pick<SubmissionMaskItem, "maskId" | "position" | "name" | "sourceFile" | "uploadKey">;

/** A new submission. `createdAt` defaults to now. */
export type NewSubmission = {
  submissionId: string;
  library: string;
  targetCount: number;
  /** The masks it will list (those that passed the checks): the searches it waits for. */
  maskCount: number;
  rejected: readonly { name: string; file: string; reason: string }[];
  notifyEmail?: string;
  createdAt?: string;
};

/** What recording a submission found: the stored record (the first run's, on a re-run) and the masks listed so far. */
export type SubmissionRecording = { submission: SubmissionItem; masks: SubmissionMaskItem[]; created: boolean };

/** How a mask's search ended, as its submission records it. */
export type MaskOutcomeRecord = {
  submissionId: string;
  maskId: string;
  searchId: string;
  outcome: MaskOutcome;
  matchCount?: number;
  partial?: boolean;
  resultsKey?: string;
  htmlKey?: string;
  failureReason?: string;
  topMatches?: { name: string; matchingPixels: number; matchingRatio: number; mirrored: boolean }[];
  finishedAt?: string;
};

/** What a completed submission's record gets. */
export type SubmissionCompletion = { summaryKey: string; summaryCsvKey: string; completedCount: number; failedCount: number; completedAt?: string };

// ---------------------------------------------------------------------------------------
// Named clauses

/** A submission is recorded once: a re-run of the same command finds the first run's record. */
const submissionNotYetRecorded: EntityClause<SubmissionEntity> = ({ submissionId }, { notExists }) => notExists(submissionId);

/** A mask is listed once: a re-run adds only the masks an interrupted first run did not list. */
const maskNotYetListed: EntityClause<SubmissionMaskEntity> = ({ maskId }, { notExists }) => notExists(maskId);

/** A mask becomes one search: the first search intake links wins, a stray duplicate does not replace it. */
const maskNotYetLinked: EntityClause<SubmissionMaskEntity> = ({ searchId }, { notExists }) => notExists(searchId);

/**
 * A mask's outcome is written once, and only from its own search: a redelivered event changes
 * nothing, and a stray second search of the same mask cannot overwrite the first one's outcome.
 */
function outcomeOfItsOwnSearch(searchId: string): EntityClause<SubmissionMaskEntity> {
  return ({ outcome, searchId: linked }, { notExists, eq }) => `${notExists(outcome)} AND (${notExists(linked)} OR ${eq(linked, searchId)})`;
}

/** A submission completes once: exactly one caller writes its summary keys and announces it. */
const submissionStillOpen: EntityClause<SubmissionEntity> = ({ status }, { eq }) => eq(status, "open");

/**
 * The submission access patterns of the state store (see `service.ts`).
 *
 * @example
 * const access = submissionAccess(entities, () => new Date());
 * const { submission, masks } = await access.recordSubmission({ submissionId, library, targetCount, maskCount, rejected: [] });
 */
export function submissionAccess(
  entities: { submission: SubmissionEntity; submissionMask: SubmissionMaskEntity },
  now: () => Date,
) {
  const maskAccess = submissionMaskAccess(entities.submissionMask, now);
  return {
    ...submissionRecordAccess(entities.submission, now, maskAccess),
    ...maskAccess,
    ...submissionEventOutbox(entities.submission),
  };
}

/** A submission's own record: written once, read, listed by status, completed once. */
function submissionRecordAccess(submissions: SubmissionEntity, now: () => Date, { listSubmissionMasks }: { listSubmissionMasks: (submissionId: string) => Promise<SubmissionMaskItem[]> }) {
  /** What is submission X? (Strongly consistent.) */
  async function getSubmission(submissionId: string): Promise<SubmissionItem | undefined> {
    const { data } = await submissions.get({ submissionId }).go({ consistent: true });
    return data ?? undefined;
  }

  /**
   * Record submission X — once, however often the command runs: written only if absent
   * (`submissionNotYetRecorded`), so a re-run finds the first run's record (and its masks, to
   * resume). Its masks are listed one by one with {@link recordSubmissionMask}; `maskCount`
   * says how many there will be, so the submission cannot complete before the last is listed.
   */
  async function recordSubmission(input: NewSubmission): Promise<SubmissionRecording> {
    let created = true;
    try {
      await submissions
        .put({
          submissionId: input.submissionId,
          library: input.library,
          maskCount: input.maskCount,
          targetCount: input.targetCount,
          rejected: input.rejected.map((r) => ({ name: r.name, file: r.file, reason: r.reason })),
          notifyEmail: input.notifyEmail,
          status: "open",
          createdAt: input.createdAt ?? now().toISOString(),
        })
        .where(submissionNotYetRecorded)
        .go({ response: "none" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      created = false;
    }
    const submission = await getSubmission(input.submissionId);
    if (!submission) throw new StateError(`submission ${input.submissionId} was recorded but cannot be read`);
    return { submission, masks: created ? [] : await listSubmissionMasks(input.submissionId), created };
  }

  /** Submission X is done: mark it completed with its summary (`submissionStillOpen`). Undefined when it was already. */
  async function markSubmissionCompleted(submissionId: string, completion: SubmissionCompletion): Promise<SubmissionItem | undefined> {
    try {
      const { data } = await submissions
        .patch({ submissionId })
        .set({
          status: "completed",
          summaryKey: completion.summaryKey,
          summaryCsvKey: completion.summaryCsvKey,
          completedCount: completion.completedCount,
          failedCount: completion.failedCount,
          completedAt: completion.completedAt ?? now().toISOString(),
          endEventPending: true,
        })
        .where(submissionStillOpen)
        .go({ response: "all_new" });
      return data;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return undefined;
    }
  }

  /** Which submissions have status X (open or completed), oldest first? Every page. */
  async function listSubmissionsByStatus(status: SubmissionStatus): Promise<SubmissionItem[]> {
    const { data } = await submissions.query.byStatus({ status }).go({ pages: "all" });
    return data;
  }

  return { getSubmission, recordSubmission, markSubmissionCompleted, listSubmissionsByStatus };
}

/** A submission's masks: listed once each, linked to their search once, given their outcome once. */
function submissionMaskAccess(masks: SubmissionMaskEntity, now: () => Date) {
  /** Which masks does submission X have, in submission order? (Consistent, all pages.) */
  async function listSubmissionMasks(submissionId: string): Promise<SubmissionMaskItem[]> {
    const { data } = await masks.query.bySubmission({ submissionId }).go({ pages: "all", consistent: true });
    return data.sort((a, b) => a.position - b.position);
  }

  /**
   * List mask M in submission X — once (`maskNotYetListed`): an interrupted run's masks are
   * kept as they were (their upload keys above all), and a re-run lists only the rest.
   * Returns the stored mask.
   */
  async function recordSubmissionMask(submissionId: string, mask: NewSubmissionMask): Promise<SubmissionMaskItem> {
    try {
      const { data } = await masks.put({ submissionId, ...mask }).where(maskNotYetListed).go();
      return data;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { data } = await masks.get({ submissionId, maskId: mask.maskId }).go({ consistent: true });
    if (!data) throw new StateError(`mask ${mask.maskId} of submission ${submissionId} was listed but cannot be read`);
    return data;
  }

  /**
   * Search S was made of mask M of submission X: link them (`maskNotYetLinked`). False when the
   * mask was linked already (a redelivered upload event) or is not listed.
   */
  async function linkSubmissionSearch(link: { submissionId: string; maskId: string; searchId: string }): Promise<boolean> {
    try {
      await masks.patch({ submissionId: link.submissionId, maskId: link.maskId }).set({ searchId: link.searchId }).where(maskNotYetLinked).go({ response: "none" });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /**
   * Mask M's search ended: record its outcome — once, and only from its own search
   * (`outcomeOfItsOwnSearch`). False when it was recorded already, or the mask is not listed.
   */
  async function recordMaskOutcome(record: MaskOutcomeRecord): Promise<boolean> {
    try {
      await masks
        .patch({ submissionId: record.submissionId, maskId: record.maskId })
        .set({
          searchId: record.searchId,
          outcome: record.outcome,
          finishedAt: record.finishedAt ?? now().toISOString(),
          matchCount: record.matchCount,
          partial: record.partial,
          resultsKey: record.resultsKey,
          htmlKey: record.htmlKey,
          failureReason: record.failureReason,
          topMatches: record.topMatches?.map((m) => ({ name: m.name, matchingPixels: m.matchingPixels, matchingRatio: m.matchingRatio, mirrored: m.mirrored })),
        })
        .where(outcomeOfItsOwnSearch(record.searchId))
        .go({ response: "none" });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  return { listSubmissionMasks, recordSubmissionMask, linkSubmissionSearch, recordMaskOutcome };
}

/** The outbox mark of a completed submission's `Submission Completed`. */
function submissionEventOutbox(submissions: SubmissionEntity) {
  /** Which completed submissions have a `Submission Completed` not yet published and handled? Every page. */
  async function listSubmissionsAwaitingEndEvent(): Promise<SubmissionItem[]> {
    const { data } = await submissions.query
      .byStatus({ status: "completed" })
      .where(({ endEventPending }, { eq }) => eq(endEventPending, true))
      .go({ pages: "all" });
    return data;
  }

  /** Submission X's `Submission Completed` was published and handled: clear its outbox record. */
  async function markSubmissionEndEventPublished(submissionId: string): Promise<void> {
    try {
      await submissions.patch({ submissionId }).remove(["endEventPending"]).go({ response: "none" });
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // gone: nothing to clear
    }
  }

  return { listSubmissionsAwaitingEndEvent, markSubmissionEndEventPublished };
}
