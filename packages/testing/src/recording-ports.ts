import type { Invoker } from "@cds/core/ports";
import { localEvent } from "@cds/local";
import { type CatalogDetailType, type CatalogEvent, type CatalogEventEntry, type CatalogEventOfType } from "@cds/events";

/**
 * The bus port (what `@cds/functions` calls `EventPublisher`) that keeps what was published, in
 * order, and delivers it to nobody: a handler test reads what the handler announced, and may hand
 * an announced event to the next handler itself.
 *
 * @example
 * const bus = new RecordingBus();
 * await stageFailed(searchId, "combiner", error, { state, bus });
 * expect(bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ stage: "combiner" })]);
 */
export class RecordingBus {
  readonly published: CatalogEventEntry[] = [];

  async publish(entries: readonly CatalogEventEntry[]): Promise<void> {
    this.published.push(...structuredClone(entries));
  }

  /** The detail-types published, in order. */
  detailTypes(): CatalogDetailType[] {
    return this.published.map((entry) => entry.detailType);
  }

  /** The details of the events of one detail-type, in order. */
  detailsOf<T extends CatalogDetailType>(detailType: T): CatalogEventOfType<T>["detail"][] {
    return this.published.filter((entry) => entry.detailType === detailType).map((entry) => entry.detail as CatalogEventOfType<T>["detail"]);
  }

  /**
   * The published entries as a bus delivers them: in an EventBridge envelope, each checked
   * against the event catalog (so an entry no bus would take fails the test here).
   */
  delivered(): CatalogEvent[] {
    return this.published.map((entry) => localEvent(entry));
  }
}

/** One call a {@link RecordingInvoker} accepted. */
export interface RecordedInvocation {
  functionName: string;
  payload: unknown;
}

/**
 * The invoker port that keeps what was invoked (payloads serialised and read back, as a real
 * invoker sends them) and runs nothing. A function it is told to refuse is refused as Lambda
 * refuses an invocation it will not queue: the call rejects and nothing is recorded.
 *
 * @example
 * const invoker = new RecordingInvoker();
 * await dispatchNode(root, { invoker, libraries, state });
 * expect(invoker.payloadsOf("search-worker")).toHaveLength(4);
 */
export class RecordingInvoker implements Invoker {
  readonly invocations: RecordedInvocation[] = [];
  private readonly refused = new Map<string, Error>();

  async invokeAsync(functionName: string, payload: unknown): Promise<void> {
    const refusal = this.refused.get(functionName);
    if (refusal) throw refusal;
    this.invocations.push({ functionName, payload: JSON.parse(JSON.stringify(payload)) as unknown });
  }

  /** From now on, invocations of `functionName` reject with `error`. */
  refuse(functionName: string, error: Error): void {
    this.refused.set(functionName, error);
  }

  /** The payloads `functionName` was invoked with, in order. */
  payloadsOf(functionName: string): unknown[] {
    return this.invocations.filter((call) => call.functionName === functionName).map((call) => call.payload);
  }
}
