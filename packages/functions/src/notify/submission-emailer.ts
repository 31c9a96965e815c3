import { submissionEmail } from "@cds/core";
import type { Mailer, SearchEmailOptions, SentEmail, StateStore } from "@cds/core";
import type { SubmissionOutcomeEvent } from "../ports.ts";

/** Options of {@link emailSubmissionOutcome}. */
export type SubmissionEmailerOptions = {
  state: Pick<StateStore, "getSubmission" | "listSubmissionMasks">;
  mailer: Mailer;
} & Omit<SearchEmailOptions, "notifyEmail">;

/**
 * Emails a finished submission to its submitter (`cds submit --email`) or the configured
 * default recipient, with each mask's best match; resolves to undefined when there is neither.
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
  return email ? mailer.send(email) : undefined;
}
