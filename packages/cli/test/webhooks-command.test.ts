import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { secretFingerprint } from "@cds/core/notify";
import { tempDir } from "@cds/testing/temp-dir";
import { main } from "../src/index.ts";
import { memoryIo } from "../src/io.ts";

/** Runs `cds …` in this process (its state folder under `--root` starts dynalite), with what it printed. */
async function runCli(args: string[]) {
  const io = memoryIo(process.cwd());
  const code = await main(["node", "cds", ...args], io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

describe("cds webhooks add / list / rotate", () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir("cds-hooks-");
  });

  it("refuses the metadata address, private and credential URLs; takes a loopback receiver only with --allow-private", async () => {
    for (const url of ["http://169.254.169.254/", "http://10.0.0.5/hook", "http://127.0.0.1:9/hook"]) {
      const refused = await runCli(["webhooks", "add", url, "--root", root]);
      expect(refused.code, url).not.toBe(0);
      expect(refused.err).toMatch(/--allow-private/);
    }
    const withPassword = await runCli(["webhooks", "add", "http://u:secretpw@127.0.0.1:9/hook", "--allow-private", "--root", root]);
    expect(withPassword.code).not.toBe(0);
    expect(withPassword.err).not.toContain("secretpw");
    expect((await runCli(["webhooks", "list", "--root", root])).out).toMatch(/no webhook subscriptions/);

    const added = await runCli(["webhooks", "add", "http://127.0.0.1:9/hook", "--allow-private", "--root", root]);
    expect(added.code).toBe(0);
    const secret = /secret\s+(whsec_\S+)/.exec(added.out)![1];
    const listed = await runCli(["webhooks", "list", "--root", root]);
    expect(listed.out).not.toContain(secret);
    expect(listed.out).toContain(secretFingerprint(secret));
    expect(listed.out).toMatch(/allowed/);
  });

  it("rotate prints a new secret once, lists the old one's grace period, and refuses an unknown id", async () => {
    const added = await runCli(["webhooks", "add", "https://hooks.example.org/cds", "--allow-private", "--root", root]);
    const id = /subscription (\S+)/.exec(added.out)![1];
    const rotated = await runCli(["webhooks", "rotate", id, "--grace", "2", "--root", root]);
    expect(rotated.code).toBe(0);
    const fresh = /secret\s+(whsec_\S+)/.exec(rotated.out)![1];
    const listed = (await runCli(["webhooks", "list", "--root", root])).out;
    expect(listed).toContain(secretFingerprint(fresh));
    expect(listed).toMatch(/previous until/);
    expect(listed).not.toContain(fresh);
    expect((await runCli(["webhooks", "rotate", "no-such-id", "--root", root])).code).not.toBe(0);
  });

  it("creates the state folder 0700 with its files 0600", async () => {
    const folder = join(root, "state");
    expect((await stat(folder)).mode & 0o777).toBe(0o700);
    const files = await readdir(folder, { recursive: true, withFileTypes: true });
    expect(files.filter((f) => f.isFile()).length).toBeGreaterThan(0);
    for (const file of files) {
      const mode = (await stat(join(file.parentPath, file.name))).mode & 0o777;
      expect(mode, file.name).toBe(file.isDirectory() ? 0o700 : 0o600);
    }
  });
});
