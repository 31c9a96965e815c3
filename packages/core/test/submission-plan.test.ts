import { describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "../src/image/tiff-encoder.ts";
import { uploadSettingsOf } from "../src/pipeline/upload-settings.ts";
import { prepareMask } from "../src/scoring/fast-scorer.ts";
import { maskSizeOf } from "../src/scoring/mask-size.ts";
import { defaultSearchParams } from "../src/search-params.ts";
import { prepareSubmission, type SubmissionInput } from "../src/submission/prepare-submission.ts";
import { randomImage, seededRandom } from "@cds/testing/random-images";

const library = { name: "lm", width: 64, height: 32, count: 500 };
const wholeImage = { excludeTopLeft: "0x0", excludeTopRight: "0x0" };

/** A mask file of `library`'s size with some bright pixels, as a submitter would give it. */
function aMask(name: string, seed: number, sidecar: Record<string, unknown> = wholeImage, size = { width: 64, height: 32 }): SubmissionInput {
  const image = randomImage(size.width, size.height, 200, seededRandom(seed));
  for (let i = 0; i < 60; i++) image.rgb.set([250, 40, 10], 3 * ((seed * 31 + i * 7) % (size.width * size.height)));
  return { file: `masks/${name}.tif`, name, bytes: encodePackBitsTiff(image), sidecar };
}

describe("prepareSubmission", () => {
  it("keeps the masks intake would accept and names why each other one is out", async () => {
    const inputs = [
      aMask("a", 1),
      { file: "masks/notes.png", name: "notes", bytes: new TextEncoder().encode("not an image"), sidecar: wholeImage },
      aMask("small", 2, wholeImage, { width: 32, height: 32 }),
      { ...aMask("dark", 3), bytes: encodePackBitsTiff({ width: 64, height: 32, rgb: new Uint8Array(64 * 32 * 3).fill(90) }) },
      aMask("typo", 4, { ...wholeImage, xyShift: 3 }),
      aMask("b", 5),
    ];

    const plan = await prepareSubmission(inputs, library);

    expect(plan.masks.map((m) => m.name)).toEqual(["a", "b"]);
    expect(plan.rejected.map((r) => [r.name, r.reason])).toEqual([
      ["notes", expect.stringMatching(/not an image/)],
      ["small", expect.stringMatching(/32×32 but 64×32 was expected/)],
      ["dark", expect.stringMatching(/is empty: .* maskThreshold 100/)],
      ["typo", expect.stringMatching(/xyShift must be 0, 2 or 4/)],
    ]);
  });

  it("names the same submission for the same masks in any order, and another when a parameter differs", async () => {
    const [a, b] = [aMask("a", 1), aMask("b", 2)];
    const first = await prepareSubmission([a, b], library);
    const reordered = await prepareSubmission([{ ...b, name: "renamed" }, a], library);
    const otherParams = await prepareSubmission([a, { ...b, sidecar: { ...wholeImage, maskThreshold: 50 } }], library);

    expect(reordered.submissionId).toBe(first.submissionId);
    expect(otherParams.submissionId).not.toBe(first.submissionId);
    expect(otherParams.masks[0].maskId).toBe(first.masks[0].maskId);
    expect(otherParams.masks[1].maskId).not.toBe(first.masks[1].maskId);
  });

  it("searches a mask given twice (same bytes, same parameters) once", async () => {
    const a = aMask("a", 1);
    const plan = await prepareSubmission([a, { ...a, file: "copy/a.tif", name: "a again" }], library);
    expect(plan.masks).toHaveLength(1);
    expect(plan.duplicates).toEqual([{ name: "a again", file: "copy/a.tif", sameAs: "a" }]);
  });

  it("plans each upload under its library, in order, with a sidecar intake reads back as the same settings and submission", async () => {
    const plan = await prepareSubmission([aMask("LC4 left", 1, { ...wholeImage, xyShift: "4", notifyEmail: "ada@example.org" }), aMask("b", 2)], library);

    expect(plan.masks.map((m) => m.uploadKey)).toEqual([`lm/${plan.submissionId}-0000-LC4_left.tif`, `lm/${plan.submissionId}-0001-b.tif`]);
    const settings = uploadSettingsOf(plan.masks[0].sidecar);
    expect(settings).toEqual({ ...plan.masks[0].settings, submission: { submissionId: plan.submissionId, maskId: plan.masks[0].maskId } });
    expect(settings.params.xyShift).toBe(4);
    expect(settings.notifyEmail).toBe("ada@example.org");
  });
});

describe("maskSizeOf", () => {
  it("counts the pixels prepareMask counts, for random masks and parameters", () => {
    const rand = seededRandom(61);
    for (let i = 0; i < 40; i++) {
      const image = randomImage(90, 50, Math.floor(rand() * 2000), rand);
      const params = {
        ...defaultSearchParams,
        maskThreshold: Math.floor(rand() * 200),
        excludeTopLeft: { width: Math.floor(rand() * 40), height: Math.floor(rand() * 20) },
        excludeTopRight: { width: Math.floor(rand() * 40), height: Math.floor(rand() * 20) },
      };
      expect(maskSizeOf(image, params)).toBe(prepareMask(image, params).maskSize);
    }
  });
});
