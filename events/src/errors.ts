/**
 * One base error for the events package. Subclasses set `name`, carry the data a caller
 * branches on, and keep the original `cause`.
 */
export class EventsError extends Error {
  override name = "EventsError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One problem found while validating an event, with the dotted path of the field it concerns. */
export interface EventValidationIssue {
  /** Dotted path inside the envelope, e.g. `detail.parameters.xyShift`; `(event)` for the whole event. */
  field: string;
  message: string;
}

/**
 * An event does not fit the catalog: an envelope field is missing, the detail-type is unknown,
 * the source is not the one the catalog gives for it, or the detail fails its schema.
 *
 * @example
 * try { parseEvent(envelope) } catch (e) {
 *   if (e instanceof EventValidationError) console.error(e.detailType, e.field, e.message);
 * }
 */
export class EventValidationError extends EventsError {
  override name = "EventValidationError";
  /** The event's detail-type when it had a readable one (it may be unknown to the catalog). */
  readonly detailType: string | undefined;
  /** Dotted path of the first bad field, e.g. `detail.searchId`. */
  readonly field: string;
  /** Every problem found, first one first. */
  readonly issues: readonly EventValidationIssue[];
  constructor(detailType: string | undefined, issues: readonly EventValidationIssue[], options?: { cause?: unknown }) {
    const first = issues[0] ?? { field: "(event)", message: "is invalid" };
    const what = detailType === undefined ? "Event" : `"${detailType}" event`;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super(`${what} is invalid: ${first.field}: ${first.message}${more}`, options);
    this.detailType = detailType;
    this.field = first.field;
    this.issues = issues;
  }
}

/**
 * An event pattern is not one EventBridge would accept (a bare value where a list belongs, an
 * empty list, an unknown operator, a malformed numeric range…). Thrown rather than answering
 * "no match", so a rule that could never deploy fails locally too.
 *
 * @example
 * matchesPattern({ source: "cds.search" }, event) // throws EventPatternError: "source" must be an object or an array
 */
export class EventPatternError extends EventsError {
  override name = "EventPatternError";
  /** Dotted path of the pattern field at fault (empty for the pattern as a whole). */
  readonly field: string;
  constructor(field: string, message: string) {
    super(field === "" ? `Invalid event pattern: ${message}` : `Invalid event pattern at "${field}": ${message}`);
    this.field = field;
  }
}
