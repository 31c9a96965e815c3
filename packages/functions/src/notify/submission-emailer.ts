import { submissionEmail } from "@cds/core/notify";
import type { Mailer, SearchEmailOptions, SentEmail } from "@cds/core/notify";
import type { StateStore } from "@cds/core/state";
import type { SubmissionOutcomeEvent } from "../ports.ts";
import { type EmailOnceState, sendOnce } from "./send-once.ts";

/** Options of {@link emailSubmissionOutcome}. */
export type SubmissionEmailerOptions = {
  state: Pick<StateStore, "getSubmission" | "listSubmissionMasks"> & EmailOnceState;
  mailer: Mailer;
} & Omit<SearchEmailOptions, "notifyEmail">;

/**
 * Emails a finished submission to its submitter (`cds submit --email`) or the configured
 * default recipient, with each mask's best match; resolves to undefined when there is neither.
 * Sent once however often the event is handled ({@link sendOnce}).
 *
 * @example
 * await emailSubmissionOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" });
 */
export async function emailSubmissionOutcome(event: SubmissionOutcomeEvent, options: SubmissionEmailerOptions): Promise<SentEmail | undefined> {
  const { state, mailer, ...rendering } = options;
  const { submissionId } = event.detail;
  const submission = await state.getSubmission(submissionId);
  const masks = (await state.listSubmissionMasks(submissionId)).map((mask) => ({
    name: mask.name,
    status: mask.outcome ?? "unfinished",
    ...(mask.topMatches?.[0] ? { topMatch: mask.topMatches[0] } : {}),
    ...(mask.failureReason ? { reason: mask.failureReason } : {}),
  }));
  const email = submissionEmail(event.detail, masks, { ...rendering, notifyEmail: submission?.notifyEmail });
  return email ? sendOnce(state, `submission/${submissionId}`, mailer, email) : undefined;
}
