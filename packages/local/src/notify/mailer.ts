import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import nodemailer from "nodemailer";
import type { EmailMessage, Mailer, SentEmail } from "@cds/core/notify";

/** How to reach an SMTP server. */
export type SmtpSettings = {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string };
};

/** Options of {@link createLocalMailer}. */
export type LocalMailerOptions = {
  /** Sender of messages that name none. */
  from: string;
  /** Send through this server; without it, messages are written to `outboxFolder`. */
  smtp?: SmtpSettings;
  /** Folder for `.eml` files when no SMTP server is configured. */
  outboxFolder?: string;
};

/** A local mailer; `close` releases SMTP connections. */
export type LocalMailer = Mailer & { close(): void };

/**
 * The local {@link Mailer}: SMTP through nodemailer when `smtp` is given, else an
 * outbox folder where each message becomes one `.eml` file (the RFC 822 text, CRLF
 * line ends, as a mail client opens it). Both build the message with nodemailer, so
 * what lands in the outbox is what an SMTP server would have received.
 *
 * @example
 * const mailer = createLocalMailer({ from: "cds@localhost", outboxFolder: ".cds/outbox" });
 * const { location } = await mailer.send({ to: "ada@example.org", subject: "Done", text: "…" });
 */
export function createLocalMailer(options: LocalMailerOptions): LocalMailer {
  if (options.smtp) return smtpMailer(options.smtp, options.from);
  if (!options.outboxFolder) throw new Error("createLocalMailer needs either `smtp` settings or an `outboxFolder`");
  return outboxMailer(options.outboxFolder, options.from);
}

function smtpMailer(smtp: SmtpSettings, from: string): LocalMailer {
  const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: smtp.secure ?? false, auth: smtp.auth });
  return {
    async send(message: EmailMessage): Promise<SentEmail> {
      const info = await transport.sendMail(mailOptions(message, from));
      return { messageId: info.messageId, location: `smtp://${smtp.host}:${smtp.port} ${info.response}` };
    },
    close() {
      transport.close();
    },
  };
}

function outboxMailer(folder: string, from: string): LocalMailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows" });
  return {
    async send(message: EmailMessage): Promise<SentEmail> {
      const info = await transport.sendMail(mailOptions(message, from));
      await mkdir(folder, { recursive: true });
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${info.messageId.replace(/[^A-Za-z0-9@.-]/g, "")}.eml`;
      const path = join(folder, name);
      // Written aside and renamed, so whoever watches the outbox never reads half a message.
      await writeFile(`${path}.tmp`, info.message as Buffer);
      await rename(`${path}.tmp`, path);
      return { messageId: info.messageId, location: path };
    },
    close() {
      transport.close();
    },
  };
}

function mailOptions(message: EmailMessage, from: string) {
  return { from: message.from ?? from, to: message.to, subject: message.subject, text: message.text, html: message.html };
}
