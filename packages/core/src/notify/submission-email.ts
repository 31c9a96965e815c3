import type { EmailMessage } from "./mailer.ts";
import type { EmailedMatch, SearchEmailOptions } from "./search-email.ts";

/** The `Submission Completed` fields an email shows (core cannot import `@cds/events`). */
export type SubmissionForEmail = {
  submissionId: string;
  library: string;
  maskCount: number;
  completed: number;
  failed: number;
  rejected: number;
  summaryKey: string;
  summaryCsvKey: string;
  elapsedMs: number;
};

/** One mask's line in a submission email. */
export type SubmissionEmailMask = { name: string; status: string; topMatch?: EmailedMatch; reason?: string };

/** Masks listed in the email body; the summary files have them all. */
const LISTED_MASKS = 50;

/**
 * Renders the email for a finished submission: how many masks completed and failed, each mask's
 * best match (the first 50), and where the summary files are. Sent to the submitter's address
 * (`cds submit --email`), else to `defaultRecipient`; undefined when there is neither.
 *
 * @example
 * const email = submissionEmail(event.detail, masks, { notifyEmail: submission.notifyEmail });
 * if (email) await mailer.send(email);
 */
export function submissionEmail(detail: SubmissionForEmail, masks: readonly SubmissionEmailMask[], options: SearchEmailOptions = {}): EmailMessage | undefined {
  const to = options.notifyEmail || options.defaultRecipient;
  if (!to) return undefined;
  const link = (key: string) => (options.resultsBaseUrl ? `${options.resultsBaseUrl.replace(/\/+$/, "")}/${key}` : key);
  const failedNote = detail.failed > 0 ? `, ${detail.failed} failed` : "";
  const rejectedNote = detail.rejected > 0 ? ` (${detail.rejected} more ${detail.rejected === 1 ? "was" : "were"} refused before upload)` : "";
  const subject = `CDM submission ${detail.submissionId} finished: ${detail.completed} of ${detail.maskCount} masks searched${failedNote}`;
  const lineOf = (mask: SubmissionEmailMask) =>
    mask.topMatch
      ? `${mask.name}: ${mask.status}, best ${mask.topMatch.name} (${mask.topMatch.matchingPixels} matching pixels, ${(mask.topMatch.matchingRatio * 100).toFixed(1)}%)`
      : `${mask.name}: ${mask.status}${mask.reason ? ` — ${mask.reason}` : ""}`;
  const listed = masks.slice(0, LISTED_MASKS);
  const more = masks.length > listed.length ? [`… and ${masks.length - listed.length} more in the summary.`] : [];
  const text = [
    `Your submission ${detail.submissionId} against ${detail.library} finished in ${(detail.elapsedMs / 1000).toFixed(1)} s: ` +
      `${detail.completed} of ${detail.maskCount} masks searched${failedNote}${rejectedNote}.`,
    "",
    ...listed.map(lineOf),
    ...more,
    "",
    `Summary: ${link(detail.summaryCsvKey)} (CSV), ${link(detail.summaryKey)} (JSON)`,
    "",
  ].join("\n");
  const html = [
    `<p>Your submission <code>${escapeHtml(detail.submissionId)}</code> against ${escapeHtml(detail.library)} finished: ` +
      `${detail.completed} of ${detail.maskCount} masks searched${escapeHtml(failedNote)}${escapeHtml(rejectedNote)}.</p>`,
    `<ul>${listed.map((mask) => `<li>${escapeHtml(lineOf(mask))}</li>`).join("")}</ul>`,
    ...more.map((line) => `<p>${escapeHtml(line)}</p>`),
    `<p>Summary: <code>${escapeHtml(link(detail.summaryCsvKey))}</code> (CSV), <code>${escapeHtml(link(detail.summaryKey))}</code> (JSON)</p>`,
  ].join("\n");
  return options.from ? { to, from: options.from, subject, text, html } : { to, subject, text, html };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
