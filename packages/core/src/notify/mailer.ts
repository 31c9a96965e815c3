/** One email, ready to send. */
export type EmailMessage = {
  to: string;
  subject: string;
  /** Plain-text body: what every client shows. */
  text: string;
  /** Optional HTML alternative. */
  html?: string;
  /** Sender; the mailer's configured sender when absent. */
  from?: string;
};

/** What a mailer did with a message. */
export type SentEmail = {
  /** The Message-ID header given to the message. */
  messageId: string;
  /** Where it went: an SMTP server's response, an outbox file's path. */
  location: string;
};

/**
 * Sends email: SMTP or an outbox folder of `.eml` files locally (@cds/local), SES in the
 * cloud. Core renders messages; a mailer only delivers them.
 *
 * @example
 * const sent = await mailer.send({ to: "ada@example.org", subject: "Your search finished", text });
 */
export interface Mailer {
  send(message: EmailMessage): Promise<SentEmail>;
}
