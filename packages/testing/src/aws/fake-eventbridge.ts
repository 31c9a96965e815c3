import { randomUUID } from "node:crypto";
import { type AwsErrorReply, awsError, isAwsError, jsonErrorResponse, type LocalEndpoint, startLocalEndpoint } from "./local-endpoint.ts";

const CONTENT_TYPE = "application/x-amz-json-1.1";

/** One entry of a PutEvents request as it travels (AWS JSON 1.1: the SDK's member names, `Detail` a JSON string). */
export type PutEventsWireEntry = {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  /** Epoch seconds, when the caller set a time. */
  Time?: number;
  TraceHeader?: string;
};

/** A decoded PutEvents request. */
export type PutEventsWireRequest = { Entries: PutEventsWireEntry[]; EndpointId?: string };

/** The fate of one entry: accepted with an id, or refused with an error code. */
export type PutEventsEntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage?: string };

/** What a handler answers: one result per entry, in order (FailedEntryCount is counted for it). */
export type PutEventsReply = { Entries: PutEventsEntryResult[] };

export type PutEventsHandler = (request: PutEventsWireRequest) => PutEventsReply | AwsErrorReply | Promise<PutEventsReply | AwsErrorReply>;

/** A local endpoint that speaks PutEvents. */
export type FakeEventBridge = LocalEndpoint & {
  /** Every PutEvents request received, decoded, in arrival order. */
  requests: PutEventsWireRequest[];
};

/** Accepts every entry, each with a fresh id. */
export const acceptAllEvents: PutEventsHandler = (request) => ({ Entries: request.Entries.map(() => ({ EventId: randomUUID() })) });

/**
 * A local HTTP endpoint that decodes what `EventBridgeClient` sends for PutEvents — AWS JSON
 * 1.1: `POST /`, `x-amz-target: AWSEvents.PutEvents`, a JSON body — and answers with what
 * `handler` returns (by default every entry accepted). Any other operation is answered
 * with `UnknownOperationException`, so a client speaking another protocol fails loudly.
 * There is no EventBridge emulator; this checks the wire format, not EventBridge's rules.
 *
 * @example
 * const bus = await startFakeEventBridge((request) => ({ Entries: request.Entries.map(() => ({ ErrorCode: "ThrottlingException" })) }));
 * const client = new EventBridgeClient(localClientConfig(bus.endpoint));
 */
export async function startFakeEventBridge(handler: PutEventsHandler = acceptAllEvents): Promise<FakeEventBridge> {
  const requests: PutEventsWireRequest[] = [];
  const local = await startLocalEndpoint(async (raw) => {
    const target = raw.headers["x-amz-target"];
    if (raw.method !== "POST" || raw.url !== "/" || target !== "AWSEvents.PutEvents") {
      return jsonErrorResponse(awsError(400, "UnknownOperationException", `not PutEvents: ${raw.method} ${raw.url} x-amz-target=${target}`), CONTENT_TYPE);
    }
    if (!String(raw.headers["content-type"]).startsWith(CONTENT_TYPE)) {
      return jsonErrorResponse(awsError(400, "SerializationException", `content-type ${raw.headers["content-type"]}`), CONTENT_TYPE);
    }
    const request = JSON.parse(raw.body.toString("utf8")) as PutEventsWireRequest;
    requests.push(request);
    const reply = await handler(request);
    if (isAwsError(reply)) return jsonErrorResponse(reply, CONTENT_TYPE);
    const failed = reply.Entries.filter((e) => "ErrorCode" in e).length;
    return { status: 200, headers: { "content-type": CONTENT_TYPE }, body: JSON.stringify({ FailedEntryCount: failed, Entries: reply.Entries }) };
  });
  return { ...local, requests };
}

/**
 * The event EventBridge would deliver to a rule's target for an accepted entry: the
 * envelope (`version`, `id`, `detail-type`, …) around the parsed detail.
 *
 * @example
 * const event = eventOfEntry(request.Entries[0], "evt-1");
 */
export function eventOfEntry(entry: PutEventsWireEntry, id: string, time: Date = new Date()) {
  return {
    version: "0",
    id,
    "detail-type": entry.DetailType ?? "",
    source: entry.Source ?? "",
    account: "123456789012",
    time: (entry.Time !== undefined ? new Date(entry.Time * 1000) : time).toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: "us-east-1",
    resources: entry.Resources ?? [],
    detail: entry.Detail !== undefined ? (JSON.parse(entry.Detail) as unknown) : {},
  };
}
