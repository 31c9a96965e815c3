import { searchEmail } from "@cds/core";
import type { Mailer, SearchEmailOptions, SentEmail, StateStore } from "@cds/core";
import type { SearchOutcomeEvent } from "../ports.ts";

/** Options of {@link emailSearchOutcome}. */
export type SearchEmailerOptions = {
  state: Pick<StateStore, "getSearch">;
  mailer: Mailer;
} & Omit<SearchEmailOptions, "notifyEmail">;

/**
 * Emails a search's outcome to its submitter (the search's `notifyEmail`) or the
 * configured default recipient; resolves to undefined when there is neither.
 *
 * @example
 * await emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" });
 */
export async function emailSearchOutcome(event: SearchOutcomeEvent, options: SearchEmailerOptions): Promise<SentEmail | undefined> {
  const { state, mailer, ...rendering } = options;
  const search = await state.getSearch(event.detail.searchId);
  const email = searchEmail(event, { ...rendering, notifyEmail: search?.notifyEmail });
  return email ? mailer.send(email) : undefined;
}
