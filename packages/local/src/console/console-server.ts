import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { StateStore } from "@cds/core/state";
import { checkAccess, newConsoleToken, tokenCookie } from "./console-access.ts";
import { createConsoleApi, CONSOLE_MAX_MASK_BYTES } from "./console-api.ts";
import type { LiveFeed } from "./live-feed.ts";

// The console `cds dev` serves on 127.0.0.1: the browser app (web/console, plain HTML/CSS/JS
// served from this machine, no CDN), its API (console-api.ts), the live feed, and the results
// pages the combiner writes. Loopback only; every request needs the token (console-access.ts).

/** Options of {@link startConsoleServer}. */
export interface ConsoleServerOptions {
  root: string;
  state: () => StateStore;
  feed: LiveFeed;
  /** Port to listen on; 0 for any free one. When the port is taken, any free one is used instead. */
  port: number;
  /** The access token (default: a fresh random one). */
  token?: string;
}

/** A running console. */
export interface ConsoleServer {
  /** The URL to open, token included. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** JSON bodies of the API are small: parameters, names, sizes. */
const MAX_JSON_BYTES = 64 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".csv": "text/csv; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
};

/** The app's own pages: scripts and styles from this server only. */
const APP_POLICY = "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** Results pages are written by the combiner with their own inline script and styles. */
const RESULTS_POLICY = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'";

/**
 * Starts the console server on 127.0.0.1.
 *
 * @example
 * const server = await startConsoleServer({ root, state: () => runtime.state, feed, port: 8420 });
 * console.log(`console: ${server.url}`);
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const token = options.token ?? newConsoleToken();
  const assets = consoleAssets();
  const api = createConsoleApi({ root: options.root, state: options.state });
  const resultsRoot = resolve(options.root, "results");
  let hosts: string[] = [];

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: `the console failed: ${error instanceof Error ? error.message : String(error)}` });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader("x-content-type-options", "nosniff");
    res.setHeader("referrer-policy", "no-referrer");
    const access = checkAccess(req, { token, hosts });
    const url = new URL(req.url ?? "/", `http://${hosts[0]}`);
    if (!access.ok) {
      if (url.pathname.startsWith("/api/")) return send(res, access.status, { error: access.reason });
      res.writeHead(access.status, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${access.reason}\n`);
      return;
    }
    if (access.fromUrl) {
      // Keep the token in a cookie and take it out of the address bar (and of history).
      url.searchParams.delete("token");
      res.writeHead(303, { "set-cookie": tokenCookie(token), location: `${url.pathname}${url.search}` });
      res.end();
      return;
    }
    const method = req.method ?? "GET";
    const path = url.pathname;
    if (path === "/api/live" && method === "GET") return options.feed.attach(res);
    const staged = /^\/api\/staged\/([0-9a-f-]{36})$/.exec(path);
    if (staged && method === "PUT") {
      const upload = api.stagedUpload(staged[1]);
      if (!upload) return send(res, 404, { error: "no upload is waiting under this address (announce it with POST /api/uploads first)" });
      const body = await readBody(req, Math.min(upload.bytes, CONSOLE_MAX_MASK_BYTES));
      if (!body) return send(res, 413, { error: `the file is larger than announced (${upload.bytes} bytes)` });
      const answer = await api.receive(staged[1], body);
      return send(res, answer.status, answer.body);
    }
    if (path.startsWith("/api/")) {
      let tooLarge = false;
      const answer = await api.handle(method, path, url.searchParams, async () => {
        const body = await readBody(req, MAX_JSON_BYTES);
        if (body) return body;
        tooLarge = true;
        return Buffer.from("null");
      });
      if (tooLarge) return send(res, 413, { error: `request bodies are at most ${MAX_JSON_BYTES / 1024} KiB` });
      return answer ? send(res, answer.status, answer.body) : send(res, 404, { error: `no route ${method} ${path}` });
    }
    if (method !== "GET" && method !== "HEAD") return send(res, 405, { error: "only GET here" });
    if (path.startsWith("/results/")) return serveFile(res, resultsRoot, path.slice("/results/".length), RESULTS_POLICY);
    return serveFile(res, assets, path === "/" ? "index.html" : path.slice(1), APP_POLICY);
  }

  const port = await listen(server, options.port);
  hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((done) => {
        options.feed.close();
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** The folder of the browser app: web/console in the checkout, found from this module (sources or the CLI's bundle). */
export function consoleAssets(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, "web", "console");
    if (existsSync(join(candidate, "index.html"))) return candidate;
    dir = dirname(dir);
  }
  throw new Error("the console's files (web/console) are not beside this installation");
}

async function serveFile(res: ServerResponse, folder: string, relative: string, policy: string): Promise<void> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return send(res, 400, { error: "bad path" });
  }
  const path = resolve(folder, normalize(decoded));
  if (decoded.includes("\0") || (path !== folder && !path.startsWith(folder + sep))) return send(res, 404, { error: "not found" });
  try {
    const info = await stat(path);
    if (!info.isFile()) return send(res, 404, { error: "not found" });
    const bytes = await readFile(path);
    res.writeHead(200, { "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream", "content-security-policy": policy, "cache-control": "no-cache" });
    res.end(bytes);
  } catch {
    send(res, 404, { error: "not found" });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** The request body, or undefined once it passes `limit` bytes (the rest is not read). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limit) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    length += (chunk as Buffer).byteLength;
    if (length > limit) {
      req.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Listens on `port` on loopback, or on any free port when that one is taken. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" && port !== 0) {
        server.listen(0, "127.0.0.1");
        return;
      }
      reject(error);
    };
    server.on("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolvePort((server.address() as AddressInfo).port);
    });
    server.listen(port, "127.0.0.1");
  });
}
