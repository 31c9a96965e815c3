import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import { SesMailer } from "@cds/aws";
import { type FakeSes, type SendEmailHandler, startFakeSes } from "@cds/testing/aws/fake-ses";
import { awsError, localClientConfig } from "@cds/testing/aws/local-endpoint";

let fake: FakeSes | undefined;
let client: SESv2Client | undefined;

afterEach(async () => {
  client?.destroy();
  await fake?.close();
  client = fake = undefined;
});

async function mailerOn(handler?: SendEmailHandler, configurationSetName?: string) {
  fake = await startFakeSes(handler);
  client = new SESv2Client(localClientConfig(fake.endpoint, 1));
  return new SesMailer({ client, from: "CDS Search <search@cds.example.org>", configurationSetName });
}

describe("SesMailer against a local endpoint speaking SESv2's SendEmail wire protocol (no SES emulator here)", () => {
  it("sends subject, text and HTML as UTF-8 simple content from the configured sender, and returns SES's message id", async () => {
    const mailer = await mailerOn(() => ({ MessageId: "0100019a-ses-id" }));
    // Act
    const sent = await mailer.send({ to: "ada@example.org", subject: "Search 01JAZ finished — 12 matches", text: "Plain ✓", html: "<p>Rich ✓</p>" });
    // Assess
    expect(sent).toEqual({ messageId: "0100019a-ses-id", location: "ses:0100019a-ses-id" });
    expect(fake!.requests).toEqual([
      {
        FromEmailAddress: "CDS Search <search@cds.example.org>",
        Destination: { ToAddresses: ["ada@example.org"] },
        Content: {
          Simple: {
            Subject: { Data: "Search 01JAZ finished — 12 matches", Charset: "UTF-8" },
            Body: { Text: { Data: "Plain ✓", Charset: "UTF-8" }, Html: { Data: "<p>Rich ✓</p>", Charset: "UTF-8" } },
          },
        },
      },
    ]);
  });

  it("sends text alone when there is no HTML, from the message's own sender when it names one, through a configuration set", async () => {
    const mailer = await mailerOn(undefined, "cds-sending");
    // Act
    const sent = await mailer.send({ to: "bob@example.org", subject: "s", text: "t", from: "other@cds.example.org" });
    // Assess
    const [request] = fake!.requests;
    expect(request.FromEmailAddress).toBe("other@cds.example.org");
    expect(request.Content.Simple!.Body).toEqual({ Text: { Data: "t", Charset: "UTF-8" } });
    expect(request.ConfigurationSetName).toBe("cds-sending");
    expect(sent.location).toBe(`ses:${sent.messageId}`);
  });

  it("surfaces SES's refusal of a message as the SDK's error", async () => {
    const mailer = await mailerOn(() => awsError(400, "MessageRejected", "Email address is not verified."));
    await expect(mailer.send({ to: "ada@example.org", subject: "s", text: "t" })).rejects.toMatchObject({
      name: "MessageRejected",
      message: "Email address is not verified.",
    });
  });

  it("surfaces throttling (429) as the SDK's error", async () => {
    const mailer = await mailerOn(() => awsError(429, "TooManyRequestsException", "Maximum sending rate exceeded."));
    await expect(mailer.send({ to: "ada@example.org", subject: "s", text: "t" })).rejects.toMatchObject({ name: "TooManyRequestsException" });
  });
});
