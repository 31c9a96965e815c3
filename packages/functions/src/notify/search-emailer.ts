import { searchEmail } from "@cds/core/notify";
import type { Mailer, SearchEmailOptions, SentEmail } from "@cds/core/notify";
import type { StateStore } from "@cds/core/state";
import type { SearchOutcomeEvent } from "../ports.ts";
import { type EmailOnceState, sendOnce } from "./send-once.ts";

/** Options of {@link emailSearchOutcome}. */
export type SearchEmailerOptions = {
  state: Pick<StateStore, "getSearch"> & EmailOnceState;
  mailer: Mailer;
} & Omit<SearchEmailOptions, "notifyEmail">;

/**
 * Emails a search's outcome to its submitter (the search's `notifyEmail`) or the
 * configured default recipient; resolves to undefined when there is neither. A search of a
 * submission is emailed only when its own sidecar named an address: the submission's one
 * `Submission Completed` email covers the others, instead of one email per mask. Sent once
 * however often the event is handled ({@link sendOnce}).
 *
 * @example
 * await emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" });
 */
export async function emailSearchOutcome(event: SearchOutcomeEvent, options: SearchEmailerOptions): Promise<SentEmail | undefined> {
  const { state, mailer, ...rendering } = options;
  const search = await state.getSearch(event.detail.searchId);
  if (search?.submissionId && !search.notifyEmail) return undefined;
  const email = searchEmail(event, { ...rendering, notifyEmail: search?.notifyEmail });
  return email ? sendOnce(state, event.detail.searchId, mailer, email) : undefined;
}
