import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the receiver got, and the status it answered. */
export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A running {@link startWebhookReceiver}. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedHook[];
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1 that answers the n-th request (from 0) with `statusOf(n)`
 * and keeps every request. Signatures are checked by the test (standardwebhooks' `Webhook`).
 *
 * @example
 * const hook = await startWebhookReceiver((n) => (n < 2 ? 500 : 200)); // 500, 500, then 200
 */
export async function startWebhookReceiver(statusOf: (n: number) => number = () => 204): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const answered = statusOf(received.length);
      received.push({ headers: request.headers, body, answered });
      response.writeHead(answered).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
