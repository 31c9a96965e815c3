import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One message the receiver accepted: the envelope recipients and the parsed mail. */
export interface ReceivedMail {
  envelopeTo: string[];
  mail: ParsedMail;
}

/** A running {@link startSmtpReceiver}. */
export interface SmtpReceiver {
  port: number;
  /** `smtp://127.0.0.1:<port>`, as `CDS_SMTP_URL` takes it. */
  url: string;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 with no TLS and no login; it keeps every message.
 *
 * @example
 * const smtp = await startSmtpReceiver();
 * await startLocalRuntime({ root, smtp: { host: "127.0.0.1", port: smtp.port } });
 */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
