import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateTableLayout } from "@cds/core/entities";
import { createDocumentClient, ensureStateTable, startDynalite } from "@cds/local";
import { runCli } from "./support/run-cli.ts";

// A deployed stage's table, played by dynalite: `--stage lab` must find `lab-cdm-search-state`
// through the AWS SDK's own endpoint setting, exactly as it would find the real one.
describe("cds webhooks and status with --stage, against a DynamoDB endpoint (dynalite) standing in for the stage's table", () => {
  let dynamo: Awaited<ReturnType<typeof startDynalite>>;
  const saved = { ...process.env };

  beforeAll(async () => {
    dynamo = await startDynalite();
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    await ensureStateTable(client, stateTableLayout({ tableName: "lab-cdm-search-state" }));
    client.destroy();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
    });
  });

  afterAll(async () => {
    for (const key of ["AWS_ENDPOINT_URL_DYNAMODB", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await dynamo?.stop();
  });

  it("subscribes, lists and removes a webhook in the stage's table, not under the root folder", async () => {
    // A public address literal: a host name would have to resolve (checked at subscribe time), and tests run offline.
    const added = await runCli(["webhooks", "add", "https://203.0.113.10/hooks", "--stage", "lab"]);
    expect(added.code, added.stderr).toBe(0);
    const id = /subscription (\S+)/.exec(added.stdout)![1];

    const listed = await runCli(["webhooks", "list", "--stage", "lab"]);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain("https://203.0.113.10/hooks");

    expect((await runCli(["webhooks", "remove", id, "--stage", "lab"])).code).toBe(0);
    expect((await runCli(["webhooks", "list", "--stage", "lab"])).stdout).toContain("no webhook subscriptions in stage lab");
  });

  it("reports an empty stage, and a stage whose table does not exist with the table's name", async () => {
    const empty = await runCli(["status", "--stage", "lab"]);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toContain("no searches in stage lab yet");

    const missing = await runCli(["status", "--stage", "nowhere"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("nowhere-cdm-search-state");
  });

  it("refuses a stage name that no deployment could have", async () => {
    const bad = await runCli(["webhooks", "list", "--stage", "../x"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not a stage name");
  });
});
