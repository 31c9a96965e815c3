import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { stateTableLayout } from "@cds/core/entities";
import { startLocalState } from "@cds/local";
import { startCds } from "./support/cds-child.ts";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { waitFor } from "@cds/testing/runtime-events";
import { indexSprinkledLibrary } from "@cds/testing/sprinkled-library";
import { tempDir } from "@cds/testing/temp-dir";

// Issue 10, "Done when": a 600-batch `cds dev` search (`--batch-size 1`) leaves no partition key
// of the state table with more than 64 of that search's items. DynamoDB takes about 1,000 write
// units a second per partition key; a search whose batch results and counters share one key
// throttles there however many workers it has. The real bin in a child process, then its
// dynalite folder read back whole.

const TARGETS = 600;
const MAX_ITEMS_PER_KEY = 64;

describe("a 600-batch cds dev search spread over partition keys", () => {
  let root: string;

  beforeAll(async () => {
    root = await tempDir("cds-spread-");
    await indexSprinkledLibrary({ root, name: "tiny", count: TARGETS, shardSize: 100 });
  });

  it("stores no more than 64 of the search's items under any one partition key", async () => {
    // Arrange: cds dev planning one target per batch, a mask dropped
    const dev = startCds(["dev", "--root", root, "--poll-ms", "50", "--batch-size", "1"], root);
    let output = "";
    dev.child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    dev.child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => (output.includes("Ctrl-C stops") ? true : undefined));
      await uploadSprinkledMask({ root, library: "tiny", file: "m.tif", seed: 99 });

      // Act: the search runs to completion
      const searchId = await waitFor(() => /started\s+(\S+)\s+(\d+) batches/.exec(output)?.[1]);
      expect(Number(/started\s+\S+\s+(\d+) batches/.exec(output)![1])).toBe(TARGETS);
      await waitFor(() => (new RegExp(`completed\\s+${searchId}\\s`).test(output) ? true : undefined), 240_000);
      dev.child.kill("SIGINT");
      expect((await dev.exited).code).toBe(0);

      // Assert: every item that belongs to the search, counted by partition key
      const local = await startLocalState({ folder: join(root, "state") });
      const perKey = new Map<string, number>();
      try {
        let start: Record<string, unknown> | undefined;
        do {
          const page = await local.client.send(new ScanCommand({ TableName: stateTableLayout().tableName, ExclusiveStartKey: start }));
          for (const item of page.Items ?? []) {
            if (!JSON.stringify(item).includes(searchId)) continue;
            perKey.set(String(item.pk), (perKey.get(String(item.pk)) ?? 0) + 1);
          }
          start = page.LastEvaluatedKey;
        } while (start);
      } finally {
        await local.stop();
      }
      const items = [...perKey.values()].reduce((sum, n) => sum + n, 0);
      expect(items).toBeGreaterThanOrEqual(TARGETS); // one stored result per batch at least: the scan saw them
      const [hottest, count] = [...perKey].sort((a, b) => b[1] - a[1])[0];
      expect(count, `${count} of the search's items under ${hottest}`).toBeLessThanOrEqual(MAX_ITEMS_PER_KEY);
      expect(perKey.size).toBeGreaterThanOrEqual(Math.ceil(TARGETS / MAX_ITEMS_PER_KEY));
    } finally {
      if (dev.child.exitCode === null) dev.child.kill("SIGKILL");
    }
  }, 300_000);
});
