import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSearchParams } from "@cds/core/search";
import type { StateStore } from "@cds/core/state";
import { readFixture, searchCompleted, searchFailed } from "@cds/events";
import { emailSearchOutcome } from "@cds/functions";
import { createLocalMailer, type LocalState } from "@cds/local";
import { startDynaliteState } from "@cds/testing/dynalite-state";
import { startSmtpReceiver, type SmtpReceiver } from "@cds/testing/smtp-receiver";
import { tempDir } from "@cds/testing/temp-dir";

let local: LocalState;
let state: StateStore;
let smtp: SmtpReceiver;

beforeAll(async () => {
  local = await startDynaliteState();
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
