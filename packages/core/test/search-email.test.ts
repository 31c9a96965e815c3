import { describe, expect, it } from "vitest";
import { searchEmail } from "@cds/core/notify";
import { readFixture, searchCompleted, searchFailed } from "@cds/events";

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
