import type { EmailMessage } from "./mailer.ts";

// Core cannot import @cds/events (events depends on core), so these types name only the
// fields this file renders. The catalog's `SearchCompletedDetail` / `SearchFailedDetail`
// are passed in by the adapters, and the type checker confirms they fit.

/** A ranked match as a notification shows it. */
export type EmailedMatch = { name: string; matchingPixels: number; matchingRatio: number; mirrored: boolean };

/** The `Search Completed` fields an email shows. */
export type CompletedSearchForEmail = {
  searchId: string;
  matchCount: number;
  resultsKey: string;
  htmlKey: string;
  topMatches: readonly EmailedMatch[];
  partial: boolean;
  elapsedMs: number;
  /** The mask's own file name and the library (optional: older events lack them). */
  maskName?: string;
  library?: string;
};

/** The `Search Failed` fields an email shows. */
export type FailedSearchForEmail = { searchId: string; reason: string; stage: string; failedAt: string; maskName?: string; library?: string };

/** A search's final event, as an email needs it. */
export type SearchOutcomeForEmail =
  | { "detail-type": "Search Completed"; detail: CompletedSearchForEmail }
  | { "detail-type": "Search Failed"; detail: FailedSearchForEmail };

/** Who gets the email and how results are linked. */
export type SearchEmailOptions = {
  /** The submitter's address, from the search record; wins over `defaultRecipient`. */
  notifyEmail?: string;
  /** Where emails go when the submitter gave no address. */
  defaultRecipient?: string;
  /** Prefix that turns result keys into links, e.g. `https://results.example.org`; keys shown as-is when absent. */
  resultsBaseUrl?: string;
  /** How many matches the email lists (default 5). */
  topMatches?: number;
  from?: string;
};

const DEFAULT_TOP_MATCHES = 5;

/**
 * Renders the email for a search's final event: for `Search Completed` the best matches
 * (matching pixels and ratio as a percentage) and where the full results are; for
 * `Search Failed` the reason. Sent to the submitter's `notifyEmail`, else to
 * `defaultRecipient`; undefined when there is neither (nobody asked for email).
 *
 * @example
 * const email = searchEmail(event, { notifyEmail: search?.notifyEmail, defaultRecipient: "lab@example.org" });
 * if (email) await mailer.send(email);
 */
export function searchEmail(event: SearchOutcomeForEmail, options: SearchEmailOptions = {}): EmailMessage | undefined {
  const to = options.notifyEmail || options.defaultRecipient;
  if (!to) return undefined;
  const rendered = event["detail-type"] === "Search Completed" ? completedEmail(event.detail, options) : failedEmail(event.detail);
  return options.from ? { to, from: options.from, ...rendered } : { to, ...rendered };
}

type Rendered = { subject: string; text: string; html: string };

function completedEmail(detail: CompletedSearchForEmail, options: SearchEmailOptions): Rendered {
  const shown = detail.topMatches.slice(0, options.topMatches ?? DEFAULT_TOP_MATCHES);
  const html = linkTo(detail.htmlKey, options.resultsBaseUrl);
  const json = linkTo(detail.resultsKey, options.resultsBaseUrl);
  const partialNote = detail.partial ? "Some batches did not finish in time: these results are partial." : undefined;
  const matches = detail.matchCount === 0 ? "0 matches" : `${detail.matchCount} ${detail.matchCount === 1 ? "match" : "matches"}`;
  const what = subjectOf(detail);
  const subject = `${what} completed: ${matches}${detail.partial ? " (partial)" : ""}${detail.maskName ? ` · ${detail.searchId}` : ""}`;
  const lines = shown.map((m, i) => `${i + 1}. ${m.name} — ${m.matchingPixels} matching pixels (${percent(m.matchingRatio)})${m.mirrored ? ", mirrored" : ""}`);
  const noneLine = `0 matches: no target${detail.library ? ` of ${detail.library}` : ""} matched this mask.`;
  const text = [
    `Your colour-depth MIP search ${aboutOf(detail)}(search ${detail.searchId}) finished in ${seconds(detail.elapsedMs)} with ${matches}.`,
    ...(partialNote ? ["", partialNote] : []),
    "",
    shown.length > 0 ? `Top ${shown.length}:` : noneLine,
    ...lines,
    "",
    `Full results: ${html}`,
    `JSON: ${json}`,
    "",
  ].join("\n");
  const items = shown
    .map((m) => `<li>${escapeHtml(m.name)} — ${m.matchingPixels} matching pixels (${percent(m.matchingRatio)})${m.mirrored ? ", mirrored" : ""}</li>`)
    .join("");
  const htmlBody = [
    `<p>Your colour-depth MIP search ${escapeHtml(aboutOf(detail))}(search <code>${escapeHtml(detail.searchId)}</code>) finished in ${seconds(detail.elapsedMs)} with ${matches}.</p>`,
    partialNote ? `<p><strong>${partialNote}</strong></p>` : "",
    shown.length > 0 ? `<ol>${items}</ol>` : `<p>${escapeHtml(noneLine)}</p>`,
    `<p>Full results: ${linkHtml(html)} (<a href="${escapeHtml(json)}">JSON</a>)</p>`,
  ].join("\n");
  return { subject, text, html: htmlBody };
}

function failedEmail(detail: FailedSearchForEmail): Rendered {
  const subject = `${subjectOf(detail)} failed${detail.maskName ? ` · ${detail.searchId}` : ""}`;
  const text = [`Your colour-depth MIP search ${aboutOf(detail)}(search ${detail.searchId}) failed (${detail.stage}, ${detail.failedAt}).`, "", `Reason: ${detail.reason}`, ""].join("\n");
  const html = [
    `<p>Your colour-depth MIP search ${escapeHtml(aboutOf(detail))}(search <code>${escapeHtml(detail.searchId)}</code>) failed (${escapeHtml(detail.stage)}, ${escapeHtml(detail.failedAt)}).</p>`,
    `<p>Reason: ${escapeHtml(detail.reason)}</p>`,
  ].join("\n");
  return { subject, text, html };
}

/** "CDM search of my-mask.png in lm", or by id when the event does not name the mask. */
function subjectOf(detail: { searchId: string; maskName?: string; library?: string }): string {
  if (!detail.maskName) return `CDM search ${detail.searchId}${detail.library ? ` in ${detail.library}` : ""}`;
  return `CDM search of ${oneLine(detail.maskName)}${detail.library ? ` in ${oneLine(detail.library)}` : ""}`;
}

/** "of my-mask.png in lm " for the body; empty when the event does not name the mask. */
function aboutOf(detail: { maskName?: string; library?: string }): string {
  if (!detail.maskName) return detail.library ? `in ${detail.library} ` : "";
  return `of ${oneLine(detail.maskName)}${detail.library ? ` in ${oneLine(detail.library)}` : ""} `;
}

/** A name as one line: a subject must not carry a line break (header injection). */
function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, " ").slice(0, 200);
}

function linkTo(key: string, base: string | undefined): string {
  return base ? `${base.replace(/\/+$/, "")}/${key}` : key;
}

function linkHtml(target: string): string {
  return /^https?:\/\//.test(target) ? `<a href="${escapeHtml(target)}">${escapeHtml(target)}</a>` : `<code>${escapeHtml(target)}</code>`;
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
