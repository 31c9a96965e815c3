import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Jimp } from "jimp";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePackBitsTiff, type RgbImage } from "@cds/core/image";
import { buildResultsDocument } from "@cds/core/results";
import { defaultSearchParams, type TargetMatch } from "@cds/core/search";
import { runCli, runCliProcess } from "./support/run-cli.ts";
import { repoRoot } from "@cds/testing/shared-data";
import { writeSyntheticTargets } from "@cds/testing/synthetic-targets";
import { tempDir } from "@cds/testing/temp-dir";

// Every CLI case of issue 12's "Why", as a user meets it.

const bin = join(repoRoot, "packages/cli/bin/cds.js");

// One data folder with one indexed library for every test below (they run in order: later ones
// read what earlier ones wrote).
let dir: string;
let root: string;
let mask: string;
let maskImage: RgbImage;
let targets: string;

beforeAll(async () => {
  dir = await tempDir("cds-behaviour-");
  root = join(dir, "cds-data");
  targets = join(dir, "targets");
  const written = await writeSyntheticTargets(targets, { seed: "behaviour", count: 6, masks: 1, plantedPerMask: 1 });
  maskImage = written.masks[0];
  mask = join(dir, "mask.tif");
  await writeFile(mask, encodePackBitsTiff(maskImage));
  const indexed = await runCli(["library", "index", targets, "--name", "lib", "--root", root, "--workers", "1"]);
  expect(indexed.code, indexed.stderr).toBe(0);
}, 60_000);

describe("cds as a user meets it: its version, and --json everywhere", () => {
  it("--version prints the version", async () => {
    const { code, stdout } = await runCliProcess(["--version"]);
    const { version } = JSON.parse(await readFile(join(repoRoot, "packages/cli/package.json"), "utf8"));
    expect({ code, stdout: stdout.trim() }).toEqual({ code: 0, stdout: version });
  });

  it("--json on every command that prints gives JSON on stdout", async () => {
    const out = join(dir, "json-results.json");
    const commands: string[][] = [
      ["search", mask, "--library", "lib", "--root", root, "--json", "--out", out],
      ["library", "list", "--root", root, "--json"],
      ["library", "index", targets, "--name", "lib2", "--root", root, "--workers", "1", "--json"],
      ["results", out, "--json"],
      ["status", "--root", root, "--json"],
      ["submissions", "list", "--root", root, "--json"],
      ["webhooks", "list", "--root", root, "--json"],
      ["webhooks", "deliveries", "--root", root, "--json"],
    ];
    for (const args of commands) {
      const { code, stdout, stderr } = await runCli(args);
      expect(code, `${args.join(" ")}: ${stderr}`).toBe(0);
      expect(() => JSON.parse(stdout), args.join(" ")).not.toThrow();
    }
    const search = JSON.parse((await runCli(commands[0])).stdout);
    expect(search).toMatchObject({ version: 2, mask: { name: "mask.tif" }, library: { name: "lib", count: 6 } });
    expect(JSON.parse((await runCli(commands[1])).stdout).map((l: { name: string }) => l.name)).toEqual(["lib", "lib2"]);
  });
});

describe("cds as a user meets it: a mistake or a closed pipe ends in one line, or quietly", () => {
  it("a missing mask, or a mask that is a folder, is one line, not a stack trace", async () => {
    const missing = await runCliProcess(["search", join(dir, "nope.png"), "--library", "lib", "--root", root]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`cds: cannot read mask ${join(dir, "nope.png")}: no such file or folder`);
    const folder = await runCliProcess(["score", dir, mask]);
    expect(folder.code).toBe(1);
    expect(folder.stderr.trim()).toBe(`cds: cannot read mask ${dir}: it is a folder, not a file`);
    for (const r of [missing, folder]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("an unwritable --out fails before the search runs", async () => {
    for (const [out, reason] of [
      [join(dir, "no-such-folder", "r.json"), "does not exist"],
      [dir, "it is a folder"],
      ["/proc/cds-results.json", ""],
    ] as const) {
      const { code, stdout, stderr } = await runCliProcess(["search", mask, "--library", "lib", "--root", root, "--out", out]);
      expect(code, out).toBe(1);
      expect(stdout, out).toBe(""); // no table: nothing was searched
      expect(stderr.trim()).toMatch(new RegExp(`^cds: cannot write --out ${out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*${reason}`));
      expect(stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("library index --to an unwritable place fails at once, in one line", async () => {
    const started = performance.now();
    const { code, stderr } = await runCliProcess(["library", "index", targets, "--name", "x", "--to", "/proc/x"]);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(/^cds: cannot write --to \/proc\/x: /);
    expect(performance.now() - started).toBeLessThan(30_000); // it used to hang; generous for a loaded machine
  });

  it("indexing over an existing library's name asks for --force, and --force replaces it", async () => {
    const again = await runCli(["library", "index", targets, "--name", "lib", "--root", root, "--workers", "1"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a library already exists at .*libraries\/lib; pass --force to replace it/);
    const forced = await runCli(["library", "index", targets, "--name", "lib", "--root", root, "--workers", "1", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
  });

  it("… | head ends quietly (no EPIPE)", async () => {
    const matches: TargetMatch[] = Array.from({ length: 20_000 }, (_, i) => ({ index: i, matchingPixels: 20_000 - i, matchingRatio: 0.5, mirrored: false, maskSize: 40_000, item: { name: `t${i}`, sourcePath: `t${i}.tif` } }));
    const big = join(dir, "big.json");
    await writeFile(
      big,
      JSON.stringify(buildResultsDocument({ searchId: "s", createdAt: new Date().toISOString(), mask: { name: "m.png", key: "m.png" }, library: { name: "l", count: 20_000 }, parameters: { ...defaultSearchParams }, matches, scored: 20_000, elapsedMs: 1, partial: false })),
    );
    const shell = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${bin}" results "${big}" --format csv | head -n 2; echo "exit \${PIPESTATUS[0]}" >&2`], { encoding: "utf8", timeout: 60_000 });
    expect(shell.stdout.split("\n")[0]).toMatch(/^rank,name,/);
    expect(shell.stderr.trim()).toBe("exit 0");
  });
});

describe("cds as a user meets it: images that do not fit, bad option values, waiting, old Node", () => {
  it("when sizes differ, the odd image is blamed: the mask when the targets agree", async () => {
    const small = join(dir, "small-mask.png");
    const image = new Jimp({ width: 605, height: 283, color: 0xff00ffff });
    await writeFile(small, new Uint8Array(await image.getBuffer("image/png")));
    const two = (await readdir(targets)).sort().slice(0, 2).map((f) => join(targets, f)); // two targets of one size
    const { code, stderr } = await runCli(["score", small, ...two]);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`cds: the mask ${small} is 605×283 but the targets are 1210×566; masks and targets must be aligned to the same template`);
    const one = await runCli(["score", small, two[0]]);
    expect(one.stderr.trim()).toMatch(/^cds: the mask .* is 605×283 but the target is 1210×566/);
    const odd = await runCli(["score", mask, two[0], small]);
    expect(odd.code).toBe(1);
    expect(odd.stderr.trim()).toBe(`cds: the target ${small} is 605×283 but 1210×566 was expected, the size of the mask ${mask}; skipped`);
  });

  it("an invalid option value exits 2, whichever option", async () => {
    const cases: string[][] = [
      ["results", join(dir, "json-results.json"), "--format", "yaml"],
      ["results", join(dir, "json-results.json"), "--top", "0"],
      ["search", mask, "--library", "lib", "--root", root, "--top", "-3"],
      ["search", mask, "--library", "lib", "--root", root, "--xy-shift", "3"],
      ["library", "index", targets, "--name", "bad name"],
      ["webhooks", "add", "ftp://example.org", "--root", root],
      ["submit", mask, "--library", "lib", "--root", root, "--timeout", "5"],
      ["submit", mask, "--library", "lib", "--root", root, "--wait", "--timeout", "soon"],
    ];
    for (const args of cases) expect((await runCli(args)).code, args.join(" ")).toBe(2);
  });

  it("a JPEG mask warns that lossy compression shifts the depth colours", async () => {
    const jpeg = join(dir, "mask.jpg");
    const image = new Jimp({ width: maskImage.width, height: maskImage.height, color: 0x000000ff });
    image.bitmap.data.set(Buffer.from(rgbaOf(maskImage)));
    await writeFile(jpeg, new Uint8Array(await image.getBuffer("image/jpeg", { quality: 90 })));
    const { code, stderr } = await runCli(["score", jpeg, join(targets, (await readdir(targets)).sort()[0])]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/warning: the mask .*mask\.jpg is a JPEG; lossy compression shifts the colours that encode depth/);
  });

  it("cds submit --wait --timeout stops waiting and says the submission goes on", async () => {
    const started = performance.now();
    const { code, stderr } = await runCli(["submit", mask, "--library", "lib", "--root", root, "--wait", "--timeout", "1"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/stopped waiting after 1 s \(--timeout\); submission \S+ goes on/);
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it("the bin says which Node it needs when run by an older one", async () => {
    // The machine's own node is older than 22.18 here; where it is not, the check cannot be seen.
    const old = ["/usr/bin/node", "/usr/local/bin/node"].find((p) => existsSync(p) && olderThan2218(p));
    if (!old) return console.warn("no Node older than 22.18 on this machine: the bin's version check is not exercised");
    const run = spawnSync(old, [bin, "--help"], { encoding: "utf8", timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^cds: needs Node\.js 22\.18 or newer .*; this is Node \d+\.\d+\.\d+$/);
    expect(run.stderr).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
  });
});

function olderThan2218(node: string): boolean {
  const version = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" }).stdout.trim();
  const [major, minor] = version.split(".").map(Number);
  return major < 22 || (major === 22 && minor < 18);
}

function rgbaOf(image: RgbImage): Uint8Array {
  const rgba = new Uint8Array(4 * image.width * image.height);
  for (let p = 0; p < image.width * image.height; p++) {
    rgba.set(image.rgb.subarray(3 * p, 3 * p + 3), 4 * p);
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}
