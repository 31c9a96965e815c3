import { z } from "zod";

/**
 * An event as EventBridge delivers it: transport fields around the `detail` payload. Locally the
 * in-process bus fills the same fields, so a handler never knows which column it runs in.
 *
 * @example
 * const event: EventEnvelope<"Search Started", "cds.search", SearchStartedDetail> = readFixture(searchStarted);
 */
export interface EventEnvelope<DetailType extends string = string, Source extends string = string, Detail = unknown> {
  version: "0";
  id: string;
  "detail-type": DetailType;
  source: Source;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Detail;
}

/**
 * The transport fields of {@link EventEnvelope}, validated; `detail` is left to the catalog entry
 * of the event's detail-type.
 */
export const envelopeSchema = z.object({
  version: z.literal("0"),
  id: z.string().min(1),
  "detail-type": z.string().min(1),
  source: z.string().min(1),
  account: z.string(),
  time: z.string().datetime({ offset: true }),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});
