import { CdsError } from "@cds/core";
import type { SmtpSettings } from "@cds/local";

/**
 * SMTP settings from a URL such as `smtp://user:pass@mail.example.org:587` (`smtps://` for TLS
 * from the first byte), as `CDS_SMTP_URL` gives them.
 *
 * @example
 * smtpSettingsFromUrl("smtp://127.0.0.1:2525") // { host: "127.0.0.1", port: 2525, secure: false }
 */
export function smtpSettingsFromUrl(text: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CdsError(`CDS_SMTP_URL "${text}" is not a URL; write it as smtp://user:pass@host:port`);
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") {
    throw new CdsError(`CDS_SMTP_URL must start with smtp:// or smtps://, got "${url.protocol}//"`);
  }
  const secure = url.protocol === "smtps:";
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
  };
}
