import type { Mailer, EmailMessage, SentEmail } from "@cds/core/notify";
import type { StateStore } from "@cds/core/state";

/** The state an emailer needs to send each outcome email once. */
export type EmailOnceState = Pick<StateStore, "claimEmail" | "markEmailSent" | "releaseEmailClaim">;

/**
 * Sends `email` about `subject` unless an earlier handling of the same event sent it: the claim,
 * the send, then the record that it went. A failed send gives the claim back, so the event's
 * retry sends it; a crash between the send and the record can still send it twice, once the
 * claim's lease has lapsed (at least once, as every other end-event handler).
 *
 * @example
 * await sendOnce(state, searchId, mailer, email);
 */
export async function sendOnce(state: EmailOnceState, subject: string, mailer: Mailer, email: EmailMessage): Promise<SentEmail | undefined> {
  if (!(await state.claimEmail(subject))) return undefined;
  let sent: SentEmail;
  try {
    sent = await mailer.send(email);
  } catch (error) {
    await state.releaseEmailClaim(subject).catch(() => undefined);
    throw error;
  }
  await state.markEmailSent(subject);
  return sent;
}
