import { SendEmailCommand, type SESv2Client } from "@aws-sdk/client-sesv2";
import type { EmailMessage, Mailer, SentEmail } from "@cds/core/notify";
import { AwsAdapterError } from "./errors.ts";

export interface SesMailerOptions {
  client: SESv2Client;
  /** Sender of messages that name none: an address or domain verified in SES. */
  from: string;
  /** SES configuration set to send through (event publishing, dedicated IPs), if any. */
  configurationSetName?: string;
}

/**
 * The {@link Mailer} on Amazon SES (API v2, `SendEmail` with simple content): SES builds
 * the MIME message from the subject, the text body and the optional HTML alternative, all
 * sent as UTF-8. `messageId` is the id SES gives the message (SES also puts it in the
 * Message-ID header); `location` is `ses:<messageId>`, the id to look for in SES's
 * sending events.
 *
 * @example
 * const mailer = new SesMailer({ client: new SESv2Client({}), from: process.env.CDS_EMAIL_FROM! });
 * const { messageId } = await mailer.send({ to: "ada@example.org", subject: "Your search finished", text });
 */
export class SesMailer implements Mailer {
  readonly client: SESv2Client;
  readonly from: string;
  readonly configurationSetName: string | undefined;

  constructor(options: SesMailerOptions) {
    this.client = options.client;
    this.from = options.from;
    this.configurationSetName = options.configurationSetName;
  }

  async send(message: EmailMessage): Promise<SentEmail> {
    const utf8 = (data: string) => ({ Data: data, Charset: "UTF-8" });
    const response = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: message.from ?? this.from,
        Destination: { ToAddresses: [message.to] },
        Content: {
          Simple: {
            Subject: utf8(message.subject),
            Body: { Text: utf8(message.text), ...(message.html !== undefined ? { Html: utf8(message.html) } : {}) },
          },
        },
        ...(this.configurationSetName ? { ConfigurationSetName: this.configurationSetName } : {}),
      }),
    );
    if (!response.MessageId) throw new AwsAdapterError(`SES accepted the email to ${message.to} but returned no MessageId`);
    return { messageId: response.MessageId, location: `ses:${response.MessageId}` };
  }
}
