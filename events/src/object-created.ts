import { z } from "zod";
import { defineEvent, type DetailOf } from "./catalog-entry.ts";
import { countSchema, objectKeySchema } from "./detail-fields.ts";
import { s3EventSource } from "./event-sources.ts";

/**
 * S3's `Object Created` event (EventBridge notifications on the upload bucket; locally the
 * watched folder emits the same shape). Only the fields intake reads are checked; S3 owns the
 * rest, so unknown fields pass through untouched. Routed to `intake` when the key looks like an
 * image in the upload bucket.
 *
 * @example
 * const { bucket, object } = objectCreated.detail.parse(event.detail);
 */
export const objectCreated = defineEvent({
  name: "object-created",
  source: s3EventSource,
  detailType: "Object Created",
  version: 1,
  detail: z
    .object({
      bucket: z.object({ name: z.string().min(1) }).passthrough(),
      object: z
        .object({
          key: objectKeySchema,
          size: countSchema.optional(),
          etag: z.string().optional(),
        })
        .passthrough(),
    })
    .passthrough(),
});

/** The detail of an S3 `Object Created` event, as far as this project reads it. */
export type ObjectCreatedDetail = DetailOf<typeof objectCreated>;
