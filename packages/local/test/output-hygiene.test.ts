import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { uploadSettingsOf } from "@cds/core/pipeline";
import { csvCell, isEmailAddress, printable } from "@cds/core/text";
import { readFixture, searchFailed } from "@cds/events";
import { EventLog } from "@cds/local";
import { buildSubmissionSummary, submissionSummaryCsv } from "@cds/core/submission";
import { tempDir } from "@cds/testing/temp-dir";
import { memoryIo, processIo } from "../../cli/src/io.ts";

describe("CSV cells a spreadsheet would run", () => {
  it.each(["=HYPERLINK(\"http://evil/\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tfoo", "\rbar"])("writes %j as text", (cell) => {
    const written = csvCell(cell);
    expect(written.startsWith("\"'")).toBe(true);
    // Unquoted by RFC 4180 rules, the cell is the original with one leading apostrophe.
    expect(written.slice(1, -1).replace(/""/g, "\"")).toBe(`'${cell}`);
  });

  it("leaves numbers (negative ones too) and ordinary text alone", () => {
    expect([csvCell(-3), csvCell(0.25), csvCell(true), csvCell("LC4 left"), csvCell("a,b")]).toEqual(["-3", "0.25", "true", "LC4 left", "\"a,b\""]);
  });

  it("neutralises mask names, files and reasons in the submission summary CSV", () => {
    const summary = buildSubmissionSummary(
      { submissionId: "sub-x", library: "lm", maskCount: 1, targetCount: 10, status: "open", createdAt: "2030-01-01T00:00:00.000Z", rejected: [{ name: "@evil", file: "=cmd.png", reason: "-bad" }] },
      [{ submissionId: "sub-x", maskId: "m0", position: 0, name: "=HYPERLINK(\"http://x\")", sourceFile: "+a.png", uploadKey: "lm/a.png", searchId: "s0", outcome: "failed", failureReason: "=1+1" }],
      "2030-01-01T00:01:00.000Z",
    );
    const rows = submissionSummaryCsv(summary).split("\r\n");
    expect(rows[1]).toBe("0,\"'=HYPERLINK(\"\"http://x\"\")\",\"'+a.png\",failed,s0,,,,,,,\"'=1+1\"");
    expect(rows[2]).toBe(",\"'@evil\",\"'=cmd.png\",rejected,,,,,,,,\"'-bad\"");
  });
});

describe("control characters in names", () => {
  it("escapes ESC, CR, BEL, C1 CSI and bidi overrides, keeps newlines, and the escapes are JSON's", () => {
    const name = "mask\u001b[2J\r\u0007\u009b31m\u202e.png";
    const shown = printable(name);
    expect(shown).toBe("mask\\u001b[2J\\u000d\\u0007\\u009b31m\\u202e.png");
    expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(shown)).toBe(false);
    expect(printable("a\nb")).toBe("a\nb");
    expect(JSON.parse(printable(JSON.stringify({ name })))).toEqual({ name });
  });

  it("the terminal Io prints a file name with escapes as visible text", () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      processIo().out("upload lm/x\u001b]0;owned\u0007.png");
    } finally {
      process.stdout.write = original;
    }
    expect(writes).toEqual(["upload lm/x\\u001b]0;owned\\u0007.png\n"]);
    const memory = memoryIo();
    memory.error("cds: \u009b2J");
    expect(memory.stderr).toEqual(["cds: \\u009b2J"]);
  });

  describe("events.log", () => {
    let folder: string;
    beforeAll(async () => {
      folder = await tempDir("cds-log-");
    });

    it("holds no raw control character, and reads back the same event", async () => {
      const log = new EventLog(join(folder, "events.log"));
      const event = readFixture(searchFailed);
      (event.detail as { reason: string }).reason = "the mask x\u009b2J\u202e.png is empty\u001b[0m";
      await log.append([event]);
      const raw = await readFile(join(folder, "events.log"), "utf8");
      expect(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(raw)).toBe(false);
      expect((await log.read())[0]).toEqual(event);
    });
  });
});

describe("notifyEmail is exactly one address", () => {
  it.each(["x,a@b.c", "a@b.c,d@e.f", "a@b.c;d@e.f", "Ada <a@b.c>", "a@b.c\r\nBcc: d@e.f", "a b@c.d", "\"x\"@b.cd", "a@b", "a@-b.cd", "a\u0000@b.cd"])("refuses %j", (value) => {
    expect(isEmailAddress(value)).toBe(false);
    expect(() => uploadSettingsOf({ notifyEmail: value })).toThrow(/exactly one email address/);
  });

  it.each(["ada@example.org", "a.b+tag@sub.example.co.uk", "o'neil@example.ie", "adá@example.org"])("takes %j", (value) => {
    expect(uploadSettingsOf({ notifyEmail: value }).notifyEmail).toBe(value);
  });
});
