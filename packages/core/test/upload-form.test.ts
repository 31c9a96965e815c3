import { describe, expect, it } from "vitest";
import { ParameterError } from "@cds/core";
import { UPLOAD_FORM_FIELDS, uploadFormDefaults, uploadFormSidecar, uploadSettingsOf } from "@cds/core/pipeline";

// The console's upload form must accept exactly what intake accepts: its defaults are intake's
// defaults, and a value intake refuses is refused here with the field it belongs to.

describe("the console's upload form", () => {
  it("has a field for every default, and its defaults are what intake reads from an empty sidecar", () => {
    const defaults = uploadFormDefaults();
    expect(UPLOAD_FORM_FIELDS.map((f) => f.name).sort()).toEqual(Object.keys(defaults).sort());
    expect(uploadSettingsOf(uploadFormSidecar({ params: defaults }))).toEqual(uploadSettingsOf({}));
  });

  it("names the field of each value intake would refuse", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ params: { maskThreshold: 256 } }, "maskThreshold"],
      [{ params: { pixColorFluctuation: -1 } }, "pixColorFluctuation"],
      [{ params: { xyShift: 1 } }, "xyShift"],
      [{ params: { excludeTopRight: "wide" } }, "excludeTopRight"],
      [{ params: { maxResultsPerMask: 0 } }, "maxResultsPerMask"],
      [{ params: { rank: "best" } }, "rank"],
      [{ params: { shapeTop: 5 } }, "shapeTop"],
      [{ params: { shiny: true } }, "shiny"],
      [{ notifyEmail: "ada@example.org, bob@example.org" }, "notifyEmail"],
      [{ params: { submissionId: "sub-1", submissionMaskId: "m" } }, "submissionId"],
      [{ params: { notifyEmail: "ada@example.org" } }, "notifyEmail"],
      [{ params: [1] }, "params"],
    ];
    for (const [input, field] of cases) {
      let thrown: unknown;
      try {
        uploadFormSidecar(input);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(input)).toBeInstanceOf(ParameterError);
      expect((thrown as ParameterError).parameter, JSON.stringify(input)).toBe(field);
    }
  });

  it("turns a good form into the sidecar intake reads", () => {
    expect(uploadFormSidecar({ params: { xyShift: 4, mirrorMask: false }, notifyEmail: "ada@example.org" })).toEqual({ xyShift: 4, mirrorMask: false, notifyEmail: "ada@example.org" });
    expect(uploadFormSidecar({ params: { xyShift: 4 }, notifyEmail: "" })).toEqual({ xyShift: 4 });
  });
});
