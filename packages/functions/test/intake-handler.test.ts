import { describe, expect, it } from "vitest";
import { EventValidationError, objectCreated, readFixture, searchAccepted } from "@cds/events";
import { intake } from "@cds/functions";
import { uploadSprinkledMask } from "@cds/testing/accepted-masks";
import { handlerPartsOnDynalite, TINY_LIBRARY } from "@cds/testing/handler-parts-on-dynalite";

// Intake on real parts: uploads and a 40-target library (64×32) in folders, core's state store on
// dynalite, and a bus that records what was announced. The events are S3's `Object Created` as
// the catalog defines it, for a mask just written to the upload folder.

const parts = handlerPartsOnDynalite({ library: true });
let uploaded = 0;

const deps = () => ({ state: parts.state, uploads: parts.uploads, libraries: parts.libraries, bus: parts.bus });

/** Writes a mask to the upload folder and returns the `Object Created` S3 sends for it. */
async function uploadEvent(options: { library?: string; width?: number; parameters?: Record<string, unknown> } = {}) {
  const key = await uploadSprinkledMask({ root: parts.root, library: options.library ?? TINY_LIBRARY.name, file: `u${++uploaded}.tif`, seed: uploaded, width: options.width, parameters: options.parameters });
  const event = readFixture(objectCreated);
  event.detail.bucket.name = "uploads";
  event.detail.object.key = key;
  event.detail.object.etag = `etag-${uploaded}`;
  return event;
}

describe("the intake handler", () => {
  it("accepts a good mask: creates its search and announces Search Accepted, once announced no longer pending", async () => {
    const event = await uploadEvent();

    await intake(event, deps());

    expect(parts.bus.detailTypes()).toEqual(["Search Accepted"]);
    const [accepted] = parts.bus.detailsOf("Search Accepted");
    expect(accepted).toEqual({ searchId: accepted.searchId, library: "tiny", maskKey: event.detail.object.key, targetCount: 40 });
    expect(parts.bus.delivered()).toHaveLength(1); // the catalog takes it
    expect(await parts.state.getSearch(accepted.searchId)).toMatchObject({ status: "accepted", maskKey: event.detail.object.key, batchCount: 4, uploadKey: `uploads/${event.detail.object.key}#etag-${uploaded}` });
    expect(await parts.state.listSearchesAwaitingAcceptedEvent()).toEqual([]);
  });

  it("makes one search of a redelivered upload event, and announces it once", async () => {
    const event = await uploadEvent();

    await intake(event, deps());
    await intake(event, deps());

    expect(parts.bus.detailTypes()).toEqual(["Search Accepted"]);
    expect((await parts.state.listSearchesByStatus("accepted", { limit: 10 })).items).toHaveLength(1);
  });

  it("refuses a mask of another size than the library's with a reason, as a failed search announced by Search Failed", async () => {
    const event = await uploadEvent({ width: 48 });

    await intake(event, deps());

    expect(parts.bus.detailTypes()).toEqual(["Search Failed"]);
    const [failed] = parts.bus.detailsOf("Search Failed");
    expect(failed).toMatchObject({ stage: "intake", library: "tiny", maskName: event.detail.object.key.split("/")[1] });
    expect(failed.reason).toContain("is 48×32 but 64×32 was expected");
    expect(await parts.state.getSearch(failed.searchId)).toMatchObject({ status: "failed", failure: { stage: "intake", reason: failed.reason } });
  });

  it("refuses a mask uploaded to a folder that names no library", async () => {
    await intake(await uploadEvent({ library: "no-such-library" }), deps());

    expect(parts.bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ stage: "intake", reason: expect.stringContaining('there is no usable library named "no-such-library"') })]);
  });

  it("refuses sidecar parameters out of range, naming the parameter", async () => {
    await intake(await uploadEvent({ parameters: { xyShift: -3 } }), deps());

    expect(parts.bus.detailsOf("Search Failed")).toEqual([expect.objectContaining({ stage: "intake", reason: expect.stringContaining("xyShift") })]);
  });

  it("rejects an event that is not an upload's, or a malformed one, and creates nothing", async () => {
    const event = await uploadEvent();
    const other = readFixture(searchAccepted);
    const malformed = event as { detail: { object: Record<string, unknown> } };
    delete malformed.detail.object.key;

    await expect(intake(other, deps())).rejects.toThrow(EventValidationError);
    await expect(intake(other, deps())).rejects.toThrow(/expected "Object Created"/);
    await expect(intake(malformed, deps())).rejects.toThrow(/detail\.object\.key/);
    expect(parts.bus.published).toEqual([]);
    expect((await parts.state.listSearchesByStatus("accepted", { limit: 10 })).items).toEqual([]);
  });
});
