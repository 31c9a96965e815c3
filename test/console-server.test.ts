import { readFile, readdir } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "@cds/core/image";
import { createLiveFeed, startConsoleServer, startLocalRuntime, type ConsoleServer, type LiveFeed, type LocalRuntime } from "@cds/local";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary, WHOLE_IMAGE_PARAMS } from "@cds/testing/sprinkled-library";
import { sprinkledImage } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// The console's server over real HTTP on 127.0.0.1, with a real local runtime behind it: who may
// use it, how an upload reaches intake, and what the live feed carries. (The page itself is
// driven in chromium by console-browser.test.ts.)

// One runtime and one console server for every test below, started once.
let root: string;
let runtime: LocalRuntime;
let feed: LiveFeed;
let server: ConsoleServer;
let origin: string;

beforeAll(async () => {
  root = await tempDir("cds-console-api-");
  await indexSprinkledLibrary({ root, name: "tiny", count: 40, shardSize: 10 });
  let started: LocalRuntime | undefined;
  feed = createLiveFeed(() => started?.state);
  runtime = started = await startLocalRuntime({ root, pollMs: 50, scorerThreads: 1, onEvent: (event) => feed.publish(event), onError: () => undefined });
  server = await startConsoleServer({ root, state: () => runtime.state, feed, port: 0 });
  origin = `http://127.0.0.1:${server.port}`;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await runtime?.stop();
});

const authed = (path: string, init: RequestInit = {}) =>
  fetch(`${origin}${path}`, { ...init, headers: { authorization: `Bearer ${server.token}`, ...(init.method && init.method !== "GET" ? { "x-cds-console": "1" } : {}), ...init.headers } });

describe("the console server of the local runtime: who may use it", () => {
  it("refuses a missing or wrong token, another Host, and a write without the console's header", async () => {
    expect((await fetch(`${origin}/api/config`)).status).toBe(401);
    expect((await fetch(`${origin}/api/config`, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect(await hostStatus(server.port, "rebound.example:80", server.token)).toBe(403);
    const unheadered = await fetch(`${origin}/api/params/check`, { method: "POST", headers: { authorization: `Bearer ${server.token}` }, body: "{}" });
    expect(unheadered.status).toBe(403);
    expect((await authed("/api/config")).status).toBe(200);
  });

  it("moves the token from the URL into an HttpOnly SameSite cookie, and takes it out of the address", async () => {
    const response = await fetch(server.url, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/");
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await fetch(`${origin}/`, { headers: { cookie: cookie.split(";")[0] } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>CDM mask search");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});

describe("the console server of the local runtime: webhooks and uploads refused as the CLI refuses them", () => {
  it("adds webhooks under the policy of `cds webhooks add`, and lists neither secret, only a fingerprint", async () => {
    const add = (body: object) => authed("/api/webhooks", { method: "POST", body: JSON.stringify(body) });
    for (const url of ["http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "http://10.0.0.7/hook"]) {
      const refused = await add({ url });
      expect(refused.status, url).toBe(400);
      expect(((await refused.json()) as { field: string }).field).toBe("url");
    }
    const added = await add({ url: "http://127.0.0.1:9/hook", allowPrivate: true });
    expect(added.status).toBe(201);
    const { subscriptionId, secret } = (await added.json()) as { subscriptionId: string; secret: string };
    await runtime.state.rotateSubscriptionSecret(subscriptionId, "whsec_" + Buffer.from("console-rotated-secret-32-bytes!").toString("base64"), new Date(Date.now() + 3_600_000));
    const listed = await (await authed("/api/webhooks")).text();
    expect(listed).not.toContain(secret);
    expect(listed).not.toContain("whsec_");
    expect(JSON.parse(listed)).toMatchObject({ subscriptions: [{ subscriptionId, allowPrivate: true, secretFingerprint: expect.stringMatching(/^sha256:/) }] });
    await authed(`/api/webhooks/${subscriptionId}`, { method: "DELETE" });
  });

  it("names the bad field of a parameter, file name or library before anything is uploaded", async () => {
    const announce = (body: object) => authed("/api/uploads", { method: "POST", body: JSON.stringify({ library: "tiny", fileName: "m.tif", bytes: 100, ...body }) });
    const cases: [object, string][] = [
      [{ params: { xyShift: 3 } }, "xyShift"],
      [{ params: { maskThreshold: 300 } }, "maskThreshold"],
      [{ params: { colour: 1 } }, "colour"],
      [{ fileName: "notes.txt" }, "file"],
      [{ bytes: 200 * 1024 * 1024 }, "file"],
      [{ library: "nope" }, "library"],
      [{ library: "../state" }, "library"],
    ];
    for (const [body, field] of cases) {
      const response = await announce(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { field: string }).field).toBe(field);
    }
    expect(await readdir(join(root, "uploads", "tiny")).catch(() => [])).toEqual([]);
  });
});

describe("the console server of the local runtime: uploads and submissions searched, followed on the live feed", () => {
  it("takes an announced upload's bytes into the upload folder, sidecar first, and the live feed follows the search to Search Completed", async () => {
    // Arrange: a live stream open
    const messages: { type: string; "detail-type"?: string; maskKey?: string; detail?: { searchId?: string } }[] = [];
    const stream = await authed("/api/live");
    const reader = stream.body!.getReader();
    void (async () => {
      let text = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += new TextDecoder().decode(value);
        const blocks = text.split("\n\n");
        text = blocks.pop()!;
        for (const block of blocks) if (block.startsWith("data: ")) messages.push(JSON.parse(block.slice(6)));
      }
    })().catch(() => undefined);

    // Act: announce, then PUT the wrong size, then the right bytes
    const mask = encodePackBitsTiff(sprinkledImage(64, 32, 99, 0.3));
    const announced = (await (await authed("/api/uploads", { method: "POST", body: JSON.stringify({ library: "tiny", fileName: "my mask.tif", bytes: mask.byteLength, params: WHOLE_IMAGE_PARAMS }) })).json()) as {
      key: string;
      put: { url: string };
    };
    expect(announced.key).toBe("tiny/my_mask.tif");
    expect((await authed(announced.put.url, { method: "PUT", body: mask.slice(1) })).status).toBe(400);
    const put = await authed(announced.put.url, { method: "PUT", body: mask });
    expect(put.status).toBe(200);
    expect((await authed(announced.put.url, { method: "PUT", body: mask })).status).toBe(404); // once only

    // Assert: the files intake reads, and the search's story in the feed
    expect(JSON.parse(await readFile(join(root, "uploads", "tiny", "my_mask.tif.json"), "utf8"))).toEqual(WHOLE_IMAGE_PARAMS);
    const completed = await waitFor(() => messages.find((m) => m["detail-type"] === "Search Completed"), 60_000);
    const searchId = completed.detail!.searchId!;
    expect(completed.maskKey).toBe("tiny/my_mask.tif");
    expect(messages.filter((m) => m.detail?.searchId === searchId).map((m) => m["detail-type"])).toEqual(expect.arrayContaining(["Search Accepted", "Search Started", "Search Completed"]));
    const search = (await (await authed(`/api/searches/${searchId}`)).json()) as { status: string; results: { page: string } };
    expect(search.status).toBe("completed");
    const page = await authed(search.results.page);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("my_mask.tif");
    await reader.cancel();
  }, 90_000);

  it("makes several masks one submission, written by cds submit's own planning, each searched", async () => {
    const masks = [1, 2].map((seed) => encodePackBitsTiff(sprinkledImage(64, 32, 500 + seed, 0.3)));
    const announced = (await (
      await authed("/api/submissions", { method: "POST", body: JSON.stringify({ library: "tiny", params: WHOLE_IMAGE_PARAMS, files: masks.map((m, i) => ({ fileName: `s${i}.tif`, bytes: m.byteLength })) }) })
    ).json()) as { puts: { url: string }[]; submit: { url: string } };
    const early = await authed(announced.submit.url, { method: "POST" });
    expect(early.status).toBe(409); // files not there yet
    for (const [i, put] of announced.puts.entries()) expect((await authed(put.url, { method: "PUT", body: masks[i] })).status).toBe(200);
    const receipt = (await (await authed(announced.submit.url, { method: "POST" })).json()) as { submissionId: string; keys: string[] };
    expect(receipt.keys).toHaveLength(2);
    const submission = await waitFor(async () => {
      const found = await runtime.state.getSubmission(receipt.submissionId);
      return found?.status === "completed" ? found : undefined;
    }, 60_000);
    expect(submission).toMatchObject({ maskCount: 2, library: "tiny" });
  }, 90_000);
});

describe("the console server of the local runtime: nothing served outside the results folder", () => {
  it("serves nothing outside the results folder", async () => {
    for (const path of ["/results/../state/endpoint.json", "/results/%2e%2e/state/endpoint.json", "/results/..%2fstate%2fendpoint.json", "/../package.json"]) {
      const response = await authed(path);
      expect(response.status, path).toBe(404);
    }
  });
});

/** A request with a Host header of our choosing (fetch does not let one set it). */
function hostStatus(port: number, host: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/api/config", headers: { host, authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
