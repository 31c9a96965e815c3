import type { RuleTarget } from "@cds/events";

/**
 * A target's handler threw (or rejected) while handling an event. The bus reports it and goes
 * on: one failing target must not stop the others, nor the publisher.
 *
 * @example
 * new LocalEventBus({ logFile, uploadBucketName, onDeliveryError: (e) => log.warn(e.target, e.eventId, e.cause) });
 */
export class DeliveryError extends Error {
  override name = "DeliveryError";
  readonly eventId: string;
  readonly detailType: string;
  readonly rule: string;
  readonly target: RuleTarget;
  constructor(delivery: { eventId: string; detailType: string; rule: string; target: RuleTarget }, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`${delivery.target} failed on "${delivery.detailType}" event ${delivery.eventId} (rule ${delivery.rule}): ${why}`, { cause });
    this.eventId = delivery.eventId;
    this.detailType = delivery.detailType;
    this.rule = delivery.rule;
    this.target = delivery.target;
  }
}
