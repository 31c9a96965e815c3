import { randomUUID } from "node:crypto";
import { type AwsErrorReply, awsError, isAwsError, jsonErrorResponse, type LocalEndpoint, startLocalEndpoint } from "./local-endpoint.ts";

type Content = { Data: string; Charset?: string };

/** A decoded SESv2 `SendEmail` request body (REST-JSON: the SDK's member names). */
export type SendEmailWireRequest = {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ReplyToAddresses?: string[];
  Content: {
    Simple?: { Subject: Content; Body: { Text?: Content; Html?: Content } };
    Raw?: { Data: string };
    Template?: unknown;
  };
  ConfigurationSetName?: string;
};

export type SendEmailReply = { MessageId: string };

export type SendEmailHandler = (request: SendEmailWireRequest) => SendEmailReply | AwsErrorReply | Promise<SendEmailReply | AwsErrorReply>;

/** A local endpoint that speaks SESv2's SendEmail. */
export type FakeSes = LocalEndpoint & {
  /** Every SendEmail request received, decoded, in arrival order. */
  requests: SendEmailWireRequest[];
};

/**
 * A local HTTP endpoint that decodes what `SESv2Client` sends for SendEmail —
 * `POST /v2/email/outbound-emails` with a JSON body — and answers with what `handler`
 * returns (by default a fresh MessageId). A refusal is an {@link awsError} reply
 * (`MessageRejected` 400, `TooManyRequestsException` 429); anything else is a 404
 * `UnknownOperationException`.
 *
 * @example
 * const ses = await startFakeSes();
 * const mailer = new SesMailer({ client: new SESv2Client(localClientConfig(ses.endpoint)), from: "cds@example.org" });
 */
export async function startFakeSes(handler: SendEmailHandler = () => ({ MessageId: randomUUID() })): Promise<FakeSes> {
  const requests: SendEmailWireRequest[] = [];
  const local = await startLocalEndpoint(async (raw) => {
    if (raw.method !== "POST" || raw.url !== "/v2/email/outbound-emails") {
      return jsonErrorResponse(awsError(404, "UnknownOperationException", `not SendEmail: ${raw.method} ${raw.url}`), "application/json");
    }
    const request = JSON.parse(raw.body.toString("utf8")) as SendEmailWireRequest;
    requests.push(request);
    const reply = await handler(request);
    if (isAwsError(reply)) return jsonErrorResponse(reply, "application/json");
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(reply) };
  });
  return { ...local, requests };
}
