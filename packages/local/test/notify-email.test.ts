import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchEmail, defaultSearchParams } from "@cds/core";
import type { StateStore } from "@cds/core";
import { readFixture, searchCompleted, searchFailed } from "@cds/events";
import { createLocalMailer, emailSearchOutcome, startLocalState } from "@cds/local";
import type { LocalState } from "@cds/local";
import { startSmtpReceiver, type SmtpReceiver } from "@cds/testing/smtp-receiver";
import { tempDir } from "@cds/testing/temp-dir";

let local: LocalState;
let state: StateStore;
let smtp: SmtpReceiver;

beforeAll(async () => {
  local = await startLocalState();
  state = local.state;
  smtp = await startSmtpReceiver();
});

afterAll(async () => {
  await smtp?.close();
  await local?.stop();
});

/** A Search Completed event for a search stored with the submitter's address. */
async function completedSearchOf(notifyEmail: string | undefined) {
  const { search } = await state.createSearchFromUpload({
    uploadKey: `uploads/${Math.random()}.png`,
    library: "flylight-gen1",
    maskKey: "masks/m.png",
    spec: { params: { ...defaultSearchParams, xyShift: 2 as const }, top: 400, notifyEmail },
    batchCount: 1,
    batchSize: 10,
    targetCount: 10,
  });
  const event = readFixture(searchCompleted);
  event.detail.searchId = search.searchId;
  return event;
}

describe("search emails through SMTP", () => {
  it("sends the Search Completed summary to the submitter's notifyEmail with the top match in the body", async () => {
    const event = await completedSearchOf("fly@example.org");
    const mailer = createLocalMailer({ from: "cds@localhost", smtp: { host: "127.0.0.1", port: smtp.port } });

    const sent = await emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org", resultsBaseUrl: "https://results.example.org/" });
    mailer.close();

    const got = smtp.received.find((r) => r.mail.messageId === sent?.messageId);
    expect(got?.envelopeTo).toEqual(["fly@example.org"]);
    expect(got?.mail.subject).toBe(`CDM search ${event.detail.searchId} completed: 1873 matches`);
    expect(got?.mail.text).toContain("1. LH173_R1-20171023_B1-CDM_1 — 2210 matching pixels (41.3%)");
    expect(got?.mail.text).toContain(`Full results: https://results.example.org/${event.detail.htmlKey}`);
    expect(got?.mail.html).toContain("<li>LH173_R1-20171023_B1-CDM_1 — 2210 matching pixels (41.3%)</li>");
  });

  it("sends a Search Failed reason to the configured default recipient when the submitter gave no address", async () => {
    const event = readFixture(searchFailed);
    const mailer = createLocalMailer({ from: "cds@localhost", smtp: { host: "127.0.0.1", port: smtp.port } });

    const sent = await emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" });
    mailer.close();

    const got = smtp.received.find((r) => r.mail.messageId === sent?.messageId);
    expect(got?.envelopeTo).toEqual(["lab@example.org"]);
    expect(got?.mail.subject).toBe(`CDM search ${event.detail.searchId} failed`);
    expect(got?.mail.text).toContain(`Reason: ${event.detail.reason}`);
  });
});

describe("an end event handled more than once (outbox replay, at-least-once delivery)", () => {
  it("sends its email once; a send the mail server refused is sent by the retry", async () => {
    const event = await completedSearchOf("fly@example.org");
    const mailer = createLocalMailer({ from: "cds@localhost", smtp: { host: "127.0.0.1", port: smtp.port } });
    const refusing = { send: () => Promise.reject(new Error("451 try again later")) };
    const about = () => smtp.received.filter((r) => r.mail.subject?.includes(event.detail.searchId));

    await expect(emailSearchOutcome(event, { state, mailer: refusing, defaultRecipient: "lab@example.org" })).rejects.toThrow("451");
    const first = await emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" });
    const again = await emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" });
    mailer.close();

    expect(first?.messageId).toBeDefined();
    expect(again).toBeUndefined();
    expect(about()).toHaveLength(1);
  });

  it("waits for a handling that is sending it right now instead of sending a second copy", async () => {
    const event = await completedSearchOf("fly@example.org");
    expect(await state.claimEmail(event.detail.searchId)).toBe(true);
    const mailer = createLocalMailer({ from: "cds@localhost", smtp: { host: "127.0.0.1", port: smtp.port } });
    await expect(emailSearchOutcome(event, { state, mailer, defaultRecipient: "lab@example.org" })).rejects.toMatchObject({ name: "EmailInFlightError" });
    // A claim whose sender died lapses: the next handling takes it over and sends.
    expect(await state.claimEmail(event.detail.searchId, 0)).toBe(true);
    mailer.close();
  });
});

describe("search emails into an outbox folder", () => {
  it("writes an .eml file with the same recipient, subject and body when no SMTP server is configured", async () => {
    const outbox = join(await tempDir("cds-outbox-"), "outbox");
    const event = await completedSearchOf("fly@example.org");
    const viaSmtp = createLocalMailer({ from: "cds@localhost", smtp: { host: "127.0.0.1", port: smtp.port } });
    const viaOutbox = createLocalMailer({ from: "cds@localhost", outboxFolder: outbox });

    const overSmtp = await emailSearchOutcome(event, { state, mailer: viaSmtp });
    // The same event through the second mailer: sent again on purpose, past the once-only claim.
    const intoOutbox = await emailSearchOutcome(event, { state: { ...state, claimEmail: async () => true }, mailer: viaOutbox });
    viaSmtp.close();

    const files = await readdir(outbox);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    expect(intoOutbox?.location).toBe(join(outbox, files[0]));
    const raw = await readFile(join(outbox, files[0]), "utf8");
    expect(raw).toMatch(/^Content-Type: multipart\/alternative;/m);
    expect(raw).toContain("\r\n");
    const fromFile = await simpleParser(raw);
    const fromServer = smtp.received.find((r) => r.mail.messageId === overSmtp?.messageId)?.mail;
    expect(fromFile.to).toEqual(fromServer?.to);
    expect(fromFile.to && !Array.isArray(fromFile.to) ? fromFile.to.text : undefined).toBe("fly@example.org");
    expect(fromFile.subject).toBe(fromServer?.subject);
    expect(fromFile.text).toBe(fromServer?.text);
    expect(fromFile.html).toBe(fromServer?.html);
    expect(fromFile.text).toContain("LH173_R1-20171023_B1-CDM_1 — 2210 matching pixels (41.3%)");
  });
});

describe("search email rendering", () => {
  it("lists the top matches as percentages and says where the full results are", () => {
    const event = readFixture(searchCompleted);

    const email = searchEmail(event, { notifyEmail: "fly@example.org", topMatches: 2 });

    expect(email?.to).toBe("fly@example.org");
    expect(email?.text).toContain("1. LH173_R1-20171023_B1-CDM_1 — 2210 matching pixels (41.3%)");
    expect(email?.text).toContain("2. SS01234-20180312_A3-CDM_2 — 1984 matching pixels (37.0%), mirrored");
    expect(email?.text).not.toContain("R42B01");
    expect(email?.text).toContain(`Full results: ${event.detail.htmlKey}`);
  });

  it("flags partial results", () => {
    const event = readFixture(searchCompleted);
    event.detail.partial = true;

    expect(searchEmail(event, { notifyEmail: "a@b.org" })?.text).toContain("these results are partial");
  });

  it("prefers the submitter's address to the default and renders nothing when there is neither", () => {
    const event = readFixture(searchFailed);

    expect(searchEmail(event, { notifyEmail: "fly@example.org", defaultRecipient: "lab@example.org" })?.to).toBe("fly@example.org");
    expect(searchEmail(event, { defaultRecipient: "lab@example.org" })?.to).toBe("lab@example.org");
    expect(searchEmail(event, {})).toBeUndefined();
  });

  it("escapes the failure reason in the HTML part", () => {
    const event = readFixture(searchFailed);
    event.detail.reason = "The mask <file> is empty & unusable.";

    expect(searchEmail(event, { notifyEmail: "a@b.org" })?.html).toContain("The mask &lt;file&gt; is empty &amp; unusable.");
  });
});

describe("searchEmail names the mask and the library", () => {
  const completed = {
    searchId: "3f2a9c1e-0000-4000-8000-000000000001",
    matchCount: 0,
    resultsKey: "3f2a.json",
    htmlKey: "3f2a.html",
    topMatches: [],
    partial: false,
    elapsedMs: 1500,
    maskName: "LC4 left.png",
    library: "FlyLight_Gen1_MCFO",
  };

  it('in the subject and body, with "0 matches" said plainly and the page linked', () => {
    const email = searchEmail({ "detail-type": "Search Completed", detail: completed }, { notifyEmail: "a@b.org", resultsBaseUrl: "https://r.example.org" });
    expect(email?.subject).toBe("CDM search of LC4 left.png in FlyLight_Gen1_MCFO completed: 0 matches · 3f2a9c1e-0000-4000-8000-000000000001");
    expect(email?.text).toContain("0 matches: no target of FlyLight_Gen1_MCFO matched this mask.");
    expect(email?.text).toContain("Full results: https://r.example.org/3f2a.html");
    expect(email?.html).toContain("of LC4 left.png in FlyLight_Gen1_MCFO");
  });

  it("for a failed search too, and a name cannot break the subject line", () => {
    const email = searchEmail(
      { "detail-type": "Search Failed", detail: { searchId: "s1", reason: "the mask is empty", stage: "intake", failedAt: "2025-01-01T00:00:00.000Z", maskName: "a\r\nBcc: x@y.org.png", library: "lm" } },
      { notifyEmail: "a@b.org" },
    );
    expect(email?.subject).toBe("CDM search of a Bcc: x@y.org.png in lm failed · s1");
    expect(email?.subject).not.toMatch(/[\r\n]/);
  });
});
