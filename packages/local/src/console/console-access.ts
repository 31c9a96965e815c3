import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

// Who may use the console: whoever holds the token `cds dev` printed, as with a notebook server.
// The token arrives once in the URL (`/?token=…`), is moved into an HttpOnly, SameSite=Strict
// cookie, and the URL is replaced by one without it. Scripts may send it as a bearer token.
// Because the server listens on loopback, two more checks close the ways a web page in the same
// browser could still reach it: the Host header must name this server (a DNS-rebinding page
// sends its own host), and every request that changes something must carry a custom header,
// which a cross-site form cannot send without a CORS preflight that this server never answers.

/** The cookie that carries the token after the first visit. */
export const CONSOLE_COOKIE = "cds_console";

/** The header every request that changes something must carry (any value). */
export const CONSOLE_WRITE_HEADER = "x-cds-console";

/** A fresh access token: 192 random bits, URL-safe. */
export function newConsoleToken(): string {
  return randomBytes(24).toString("base64url");
}

/** What a request may do. */
export type Access = { ok: true; fromUrl: boolean } | { ok: false; status: 401 | 403; reason: string };

/**
 * Checks a request against the token and the server's own host names.
 *
 * @example
 * const access = checkAccess(req, { token, hosts: ["127.0.0.1:8420", "localhost:8420"] });
 */
export function checkAccess(req: IncomingMessage, options: { token: string; hosts: readonly string[] }): Access {
  const host = req.headers.host ?? "";
  if (!options.hosts.includes(host)) return { ok: false, status: 403, reason: `this console answers only at ${options.hosts[0]}` };
  const fromUrl = new URL(req.url ?? "/", "http://console").searchParams.get("token");
  const presented = fromUrl ?? bearerOf(req) ?? cookieOf(req, CONSOLE_COOKIE);
  if (!presented || !sameSecret(presented, options.token)) {
    return { ok: false, status: 401, reason: "open the console with the URL `cds dev` printed (it carries the access token)" };
  }
  const writes = req.method !== "GET" && req.method !== "HEAD";
  if (writes && req.headers[CONSOLE_WRITE_HEADER] === undefined) return { ok: false, status: 403, reason: `requests that change something must send the ${CONSOLE_WRITE_HEADER} header` };
  return { ok: true, fromUrl: fromUrl !== null };
}

/** The Set-Cookie value that keeps the token for this server's pages. */
export function tokenCookie(token: string): string {
  return `${CONSOLE_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

function bearerOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
}

function cookieOf(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
