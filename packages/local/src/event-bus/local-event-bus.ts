import { randomUUID } from "node:crypto";
import {
  assertValidPattern,
  eventRules,
  matchesPattern,
  parseEvent,
  type CatalogEventEntry,
  type CatalogEvent,
  type EventRule,
  type RuleTarget,
} from "@cds/events";
import { DeliveryError } from "./delivery-error.ts";
import { EventLog } from "./event-log.ts";

/** One event to publish, typed by its detail-type (as EventBridge's PutEvents entry, camel-cased). */
export type PublishEntry = CatalogEventEntry;

/** What {@link LocalEventBus.publish} may be told besides the entries. */
export interface PublishOptions {
  /**
   * Called once per event when every handler it was routed to has returned: `ok` is false if one
   * threw. The durable outbox clears its record of an end event here, not when it is logged.
   */
  onHandled?: (event: CatalogEvent, ok: boolean) => void | Promise<void>;
}

/** Which rule brought an event to a handler. */
export interface DeliveryContext {
  readonly rule: string;
  readonly target: RuleTarget;
}

/** A target's function: receives each event a rule routes to its target. */
export type EventHandler = (event: CatalogEvent, context: DeliveryContext) => void | Promise<void>;

export interface LocalEventBusOptions {
  /** The JSON Lines log every published event is appended to, before delivery. */
  logFile: string;
  /** The bucket name local uploads report; the upload rule routes only its events to intake. */
  uploadBucketName: string;
  /** Told about each handler failure; by default it is written to stderr. */
  onDeliveryError?: (error: DeliveryError) => void;
}

/** The account the bus writes into envelopes: no real account has it, so local events stand out. */
export const localAccount = "000000000000";

/** The region the bus writes into envelopes. */
export const localRegion = "local";

/** Now, as EventBridge stamps an envelope: in whole seconds. */
function envelopeTime(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * An entry in the envelope the local bus delivers it in, checked against the event catalog
 * (throws EventValidationError when it does not fit). An id given is kept: the outbox gives one
 * per search's end event, so a late copy shares it.
 *
 * @example
 * await admission(localEvent({ source: searchEventSource, detailType: "Search Accepted", detail }), deps);
 */
export function localEvent(entry: PublishEntry & { id?: string }, time = envelopeTime()): CatalogEvent {
  return parseEvent({
    version: "0",
    id: entry.id ?? randomUUID(),
    "detail-type": entry.detailType,
    source: entry.source,
    account: localAccount,
    time,
    region: localRegion,
    resources: entry.resources ?? [],
    detail: entry.detail,
  });
}

/**
 * The in-process stand-in for EventBridge. `publish` validates each entry against the event
 * catalog, fills the envelope, appends the events to the log, and then, asynchronously as
 * EventBridge does, hands each event to the subscribers of every rule whose pattern matches it
 * (the same rule list the stacks deploy, evaluated with the same pattern semantics).
 *
 * @example
 * const bus = new LocalEventBus({ logFile: join(dataDir, "events.jsonl"), uploadBucketName: "uploads" });
 * bus.subscribe("admission", async (event) => { ... });
 * await bus.publish([{ source: "cds.search", detailType: "Search Accepted", detail }]);
 * await bus.idle(); // every delivery (and what it published in turn) is done
 */
export class LocalEventBus {
  readonly rules: readonly EventRule[];
  private readonly log: EventLog;
  private readonly onDeliveryError: (error: DeliveryError) => void;
  private readonly handlers = new Map<RuleTarget, Set<EventHandler>>();
  private readonly inFlight = new Set<Promise<void>>();
  // Appends are chained so events reach the log in the order publish was called.
  private appended: Promise<void> = Promise.resolve();

  constructor(options: LocalEventBusOptions) {
    this.rules = eventRules({ uploadBucketName: options.uploadBucketName });
    for (const rule of this.rules) assertValidPattern(rule.pattern);
    this.log = new EventLog(options.logFile);
    this.onDeliveryError = options.onDeliveryError ?? ((error) => console.error(error));
  }

  /**
   * Publishes the entries, all or none: if any entry fails the catalog, it throws
   * EventValidationError and nothing is logged or delivered. Resolves once the events are in
   * the log, with the events as delivered (ids filled in); handlers run afterwards.
   */
  async publish(entries: readonly (PublishEntry & { id?: string })[], options: PublishOptions = {}): Promise<CatalogEvent[]> {
    const time = envelopeTime();
    const events = entries.map((entry) => localEvent(entry, time));
    const append = this.appended.then(() => this.log.append(events));
    this.appended = append.catch(() => undefined);
    await append;
    for (const event of events) this.route(event, options.onHandled);
    return events;
  }

  /**
   * Hands an event that is already in the log to its handlers again, without logging it twice:
   * for one whose handling a crash or a stop cut short.
   */
  redeliver(event: CatalogEvent, options: PublishOptions = {}): void {
    this.route(parseEvent(event), options.onHandled);
  }

  /**
   * Registers a handler for a target; several may share one. Returns a function that removes it.
   */
  subscribe(target: RuleTarget, handler: EventHandler): () => void {
    let set = this.handlers.get(target);
    if (set === undefined) this.handlers.set(target, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Resolves when no delivery is running or queued, including those that deliveries caused. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Every event this log file holds, in the order published (by any bus sharing the file). */
  readLog(): Promise<CatalogEvent[]> {
    return this.log.read();
  }

  private route(event: CatalogEvent, onHandled?: PublishOptions["onHandled"]): void {
    const deliveries: Promise<boolean>[] = [];
    for (const rule of this.rules) {
      if (!matchesPattern(rule.pattern, event)) continue;
      for (const handler of this.handlers.get(rule.target) ?? []) deliveries.push(this.deliver(event, rule, handler));
    }
    if (!onHandled) return;
    // Tracked like a delivery, so idle() (and so a clean stop) waits for what the publisher does then.
    const told = Promise.all(deliveries)
      .then((oks) => onHandled(event, oks.every(Boolean)))
      .catch(() => undefined); // the publisher reports its own errors
    this.inFlight.add(told);
    void told.finally(() => this.inFlight.delete(told));
  }

  /** Resolves true when the handler returned, false when it threw (reported). */
  private deliver(event: CatalogEvent, rule: EventRule, handler: EventHandler): Promise<boolean> {
    const delivery = (async () => {
      // Later, not inside publish: EventBridge invokes targets asynchronously, and a handler
      // must not see the publisher's call stack (nor block it).
      await new Promise<void>((resolve) => setImmediate(resolve));
      try {
        // Each target gets its own copy, as each Lambda gets its own payload.
        await handler(structuredClone(event), { rule: rule.name, target: rule.target });
        return true;
      } catch (error) {
        this.report(new DeliveryError({ eventId: event.id, detailType: event["detail-type"], rule: rule.name, target: rule.target }, error));
        return false;
      }
    })();
    const tracked = delivery.then(() => undefined);
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return delivery;
  }

  private report(error: DeliveryError): void {
    try {
      this.onDeliveryError(error);
    } catch {
      // A failing reporter must not turn into an unhandled rejection that stops the process.
    }
  }
}
