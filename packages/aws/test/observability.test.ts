import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { invocationFields } from "../src/lambda/observability.ts";

const child = fileURLToPath(new URL("./support/observed-child.ts", import.meta.url));

/** The JSON lines one run of the child wrote, stdout and stderr together. */
async function run(scenario: string): Promise<Record<string, any>[]> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [child, scenario], {
    env: { PATH: process.env.PATH, POWERTOOLS_SERVICE_NAME: "cdm-search", POWERTOOLS_METRICS_NAMESPACE: "cdm-search/test", LOG_LEVEL: "INFO" },
    timeout: 20_000,
  });
  return `${stdout}\n${stderr}`
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as Record<string, any>);
}

describe("observed() Lambda handlers (Powertools logger and EMF metrics, in a fresh process)", () => {
  it("logs each invocation's start and end as JSON with phase, search and batch, and the handler's own lines with the same keys", async () => {
    const lines = await run("worker");
    const logs = lines.filter((line) => !line._aws);
    expect(logs.map((l) => [l.message, l.phase, l.searchId, l.batch, l.function_request_id])).toEqual([
      ["invocation started", "worker", "s-1", 7, "req-1"],
      ["scored", "worker", "s-1", 7, "req-1"],
      ["invocation finished", "worker", "s-1", 7, "req-1"],
      ["invocation started", "worker", "s-1", 8, "req-2"],
      ["scored", "worker", "s-1", 8, "req-2"],
      ["invocation finished", "worker", "s-1", 8, "req-2"],
    ]);
    for (const log of logs) expect(log).toMatchObject({ level: "INFO", service: "cdm-search" });
    expect(logs.map((l) => l.cold)).toEqual([true, undefined, undefined, false, undefined, undefined]);
    expect(typeof logs[2].durationMs).toBe("number");
    // The payload's other contents (the mask's key) are not logged.
    expect(JSON.stringify(logs)).not.toContain("secret-mask");
  });

  it("flushes one EMF document per invocation: phase duration, batches scored, what the handler counted, a cold start once", async () => {
    const documents = (await run("worker")).filter((line) => line._aws);
    expect(documents).toHaveLength(2);
    for (const document of documents) {
      expect(document._aws.CloudWatchMetrics).toEqual([
        expect.objectContaining({ Namespace: "cdm-search/test", Dimensions: [["service", "phase"]] }),
      ]);
      expect(document).toMatchObject({ service: "cdm-search", phase: "worker", BatchesScored: 1, DynamoDBThrottles: 1 });
      expect(document.PhaseDuration).toBeGreaterThanOrEqual(0);
    }
    expect(documents.map((d) => d.ColdStarts)).toEqual([1, undefined]);
    const units = Object.fromEntries(documents[0]._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string; Unit: string }) => [m.Name, m.Unit]));
    expect(units).toEqual({ ColdStarts: "Count", DynamoDBThrottles: "Count", BatchesScored: "Count", PhaseDuration: "Milliseconds" });
  });

  it("logs a failing invocation as an error with the error's message, rethrows it, and still flushes its metrics", async () => {
    const lines = await run("fail");
    const failed = lines.find((line) => line.message === "invocation failed");
    expect(failed).toMatchObject({ level: "ERROR", phase: "combiner", searchId: "s-2", error: { name: "Error", message: "results bucket unreachable" } });
    expect(lines.find((line) => line.message === "caught")).toMatchObject({ rethrown: "results bucket unreachable" });
    // The keys of an invocation do not leak into lines logged after it.
    expect(lines.find((line) => line.message === "caught")?.searchId).toBeUndefined();
    const document = lines.find((line) => line._aws);
    expect(document).toMatchObject({ phase: "combiner", ColdStarts: 1 });
    expect(document?.BatchesScored).toBeUndefined();
  });
});

describe("invocationFields", () => {
  it("finds the search and batch of a worker payload, and a dispatcher's batches and level", () => {
    expect(invocationFields({ batch: { batchId: 3, start: 300, end: 400 }, batchCount: 10, job: { searchId: "s-1" } })).toEqual({ searchId: "s-1", batch: 3 });
    expect(invocationFields({ node: { level: 1, firstBatch: 20, batchCount: 10 }, plan: { job: { searchId: "s-1" } } })).toEqual({
      searchId: "s-1",
      batches: "20-29",
      treeLevel: 1,
    });
    expect(invocationFields({ searchId: "s-1", batchId: 4 })).toEqual({ searchId: "s-1", batch: 4 });
  });

  it("finds an EventBridge event's detail-type, search and submission", () => {
    expect(invocationFields({ "detail-type": "Search Batches Completed", detail: { searchId: "s-1", batchCount: 500 } })).toEqual({
      event: "Search Batches Completed",
      searchId: "s-1",
    });
    expect(invocationFields({ "detail-type": "Submission Completed", detail: { submissionId: "sub-1" } })).toEqual({ event: "Submission Completed", submissionId: "sub-1" });
  });

  it("reads an on-failure record's request payload and names the function that gave up", () => {
    const record = {
      requestContext: { functionArn: "arn:aws:lambda:us-east-1:123456789012:function:test-cdm-search-search-worker:$LATEST", condition: "RetriesExhausted" },
      requestPayload: { batch: { batchId: 9 }, job: { searchId: "s-3" } },
    };
    expect(invocationFields(record)).toEqual({ failedFunction: "test-cdm-search-search-worker", searchId: "s-3", batch: 9 });
  });

  it("counts an SQS batch's messages", () => {
    expect(invocationFields({ Records: [{ messageId: "a", body: "{}" }, { messageId: "b", body: "{}" }] })).toEqual({ messages: 2 });
  });

  it("leaves out what does not look like an identifier, and never throws on odd input", () => {
    expect(invocationFields({ searchId: "x".repeat(201), batchId: -1 })).toEqual({});
    expect(invocationFields({ searchId: "s-1\n{\"level\":\"ERROR\"}", batch: 1.5 })).toEqual({});
    expect(invocationFields({ detail: { searchId: { toString: "no" } } })).toEqual({});
    for (const odd of [undefined, null, 3, "text", [], Object.create(null)]) expect(invocationFields(odd)).toEqual({});
  });
});
