import type { EmailNoticeEntity } from "../entities/email-notice.ts";
import { CdsError } from "../errors.ts";
import { isConditionFailure } from "./condition-failure.ts";

/** How long a claim holds before another handling may take the email over (its sender died). */
export const EMAIL_CLAIM_LEASE_MS = 2 * 60 * 1000;

/** How long a notice is kept: far beyond any redelivery of the event it is about. */
const NOTICE_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Another handling of the same event is sending this email right now: retry later, when it has
 * either recorded it sent (and this handling skips it) or its claim has lapsed.
 */
export class EmailInFlightError extends CdsError {
  override name = "EmailInFlightError";
  constructor(subject: string) {
    super(`the email about ${subject} is being sent by another handling of its event`);
  }
}

/**
 * The email-notice access patterns of the state store (see `service.ts`): each outcome email is
 * sent once per subject however often its event is handled.
 *
 * @example
 * if (await access.claimEmail(searchId)) { await mailer.send(email); await access.markEmailSent(searchId); }
 */
export function emailNoticeAccess(entities: { emailNotice: EmailNoticeEntity }, now: () => Date) {
  const { emailNotice: notices } = entities;

  /**
   * Claims the email about `subject`: true when this handling is to send it, false when it was
   * sent already. Throws {@link EmailInFlightError} while another handling's claim holds.
   */
  async function claimEmail(subject: string, leaseMs: number = EMAIL_CLAIM_LEASE_MS): Promise<boolean> {
    const at = now();
    const ttl = Math.floor(at.getTime() / 1000) + NOTICE_TTL_SECONDS;
    try {
      await notices.create({ subject, claimedAt: at.toISOString(), ttl }).go({ response: "none" });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    const { data: notice } = await notices.get({ subject }).go({ consistent: true });
    if (!notice) return claimEmail(subject, leaseMs); // removed (TTL) in between: claim afresh
    if (notice.sentAt) return false;
    if (at.getTime() - Date.parse(notice.claimedAt) < leaseMs) throw new EmailInFlightError(subject);
    try {
      // Take over a lapsed claim, unless someone else just did (or it was sent meanwhile).
      await notices
        .patch({ subject })
        .set({ claimedAt: at.toISOString() })
        .where(({ claimedAt, sentAt }, { eq, notExists }) => `${eq(claimedAt, notice.claimedAt)} AND ${notExists(sentAt)}`)
        .go({ response: "none" });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      throw new EmailInFlightError(subject);
    }
  }

  /** The mail server accepted the email about `subject`: later handlings skip it. */
  async function markEmailSent(subject: string): Promise<void> {
    await notices.patch({ subject }).set({ sentAt: now().toISOString() }).go({ response: "none" });
  }

  /** Sending failed: give the claim up, so the event's retry sends it at once. */
  async function releaseEmailClaim(subject: string): Promise<void> {
    await notices.delete({ subject }).where(({ sentAt }, { notExists }) => notExists(sentAt)).go({ response: "none" }).catch((error: unknown) => {
      if (!isConditionFailure(error)) throw error;
    });
  }

  return { claimEmail, markEmailSent, releaseEmailClaim };
}
