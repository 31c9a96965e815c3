import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * The `EmailNotice` entity: "the outcome email of S was sent (or is being sent since T)".
 * An end event can be handled twice — the outbox publishes again what a crash left unhandled,
 * and EventBridge delivers at least once — so the emailer claims the email here first and
 * records it sent after, and a second handling finds it sent instead of mailing again.
 *
 * Access pattern: "Was the email about S sent, or is someone sending it?" (`bySubject`), where S
 * is a search id or `submission/<id>`.
 *
 * @example
 * const notices = emailNoticeEntity(stateTableLayout());
 * await notices.create({ subject: searchId, claimedAt, ttl }).go();
 */
export function emailNoticeEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "emailNotice", version: "1", service: STATE_SERVICE },
    attributes: {
      subject: { type: "string", required: true, readOnly: true },
      /** When the current sender claimed it: a claim older than the lease is taken over. */
      claimedAt: { type: "string", required: true },
      /** When the mail server accepted it. */
      sentAt: { type: "string" },
      /** DynamoDB TTL (epoch seconds): a notice outlives any redelivery of its event. */
      ttl: { type: "number", required: true },
    },
    indexes: {
      bySubject: {
        pk: { field: layout.fields.pk, composite: ["subject"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `EmailNotice` entity's type. */
export type EmailNoticeEntity = ReturnType<typeof emailNoticeEntity>;

/** A stored email notice. */
export type EmailNoticeItem = EntityItem<EmailNoticeEntity>;
