import { describe, expect, it } from "vitest";
import { encodePackBitsTiff } from "../src/image/tiff-encoder.ts";
import { UploadMetadataTooLargeError, UploadRejectedError } from "../src/pipeline/pipeline-errors.ts";
import { readUploadParameters } from "../src/pipeline/read-upload-parameters.ts";
import { S3_METADATA_MAX_BYTES, sidecarOfMetadata, UPLOAD_SETTINGS_METADATA_KEY, uploadMetadataOf } from "../src/pipeline/upload-metadata.ts";
import { uploadSettingsOf } from "../src/pipeline/upload-settings.ts";
import { BlobNotFoundError, type BlobStore, type PutOptions } from "../src/ports/blob-store.ts";
import { prepareSubmission } from "../src/submission/prepare-submission.ts";
import { randomImage, seededRandom } from "@cds/testing/random-images";

/** An in-memory blob store; with `keepsMetadata`, it keeps metadata as S3 does (keys lowercased). */
function memoryStore(keepsMetadata: boolean): BlobStore & { objects: Map<string, { bytes: Uint8Array; metadata: Record<string, string> }> } {
  const objects = new Map<string, { bytes: Uint8Array; metadata: Record<string, string> }>();
  const store = {
    location: "memory",
    objects,
    async get(key: string) {
      const object = objects.get(key);
      if (!object) throw new BlobNotFoundError("memory", key);
      return object.bytes;
    },
    async put(key: string, bytes: Uint8Array, options?: PutOptions) {
      objects.set(key, { bytes, metadata: Object.fromEntries(Object.entries(options?.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v])) });
    },
    async exists(key: string) {
      return objects.has(key);
    },
    async *list() {},
    async deletePrefix() {},
  };
  if (!keepsMetadata) return store;
  return {
    ...store,
    async metadata(key: string) {
      const object = objects.get(key);
      if (!object) throw new BlobNotFoundError("memory", key);
      return object.metadata;
    },
  };
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const tag = { submissionId: "sub-5b0c1f2e9a7d3c48e611", submissionMaskId: "9c1e04a7b3d2f0e18a55" };

describe("upload parameters as S3 object metadata", () => {
  it("round-trips a sidecar exactly, numbers and booleans included, through one ASCII key", () => {
    const sidecar = { maskThreshold: 50, xyShift: 0, mirrorMask: false, excludeTopRight: "0x0", notifyEmail: "adá@example.org", ...tag };

    const metadata = uploadMetadataOf(sidecar);

    expect(Object.keys(metadata)).toEqual([UPLOAD_SETTINGS_METADATA_KEY]);
    expect(metadata[UPLOAD_SETTINGS_METADATA_KEY]).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sidecarOfMetadata(metadata)).toEqual(sidecar);
    // S3 hands keys back in whatever case; they are case-insensitive
    expect(sidecarOfMetadata({ "CDS-Settings": metadata[UPLOAD_SETTINGS_METADATA_KEY]! })).toEqual(sidecar);
    expect(uploadSettingsOf(sidecarOfMetadata(metadata))).toMatchObject({ params: { maskThreshold: 50, xyShift: 0, mirrorMask: false }, submission: { maskId: tag.submissionMaskId } });
  });

  it("refuses parameters over S3's 2 KB with an error that says how many bytes, and accepts them up to the limit", () => {
    // base64 turns 3 bytes into 4: the value's JSON may take about 1.5 KB
    const sized = (length: number) => ({ notifyEmail: `${"a".repeat(length)}@example.org` });
    const fits = (length: number) => {
      try {
        uploadMetadataOf(sized(length));
        return true;
      } catch {
        return false;
      }
    };
    let longest = 0;
    while (fits(longest + 1)) longest++;
    const atLimit = uploadMetadataOf(sized(longest));
    expect(UPLOAD_SETTINGS_METADATA_KEY.length + atLimit[UPLOAD_SETTINGS_METADATA_KEY]!.length).toBeLessThanOrEqual(S3_METADATA_MAX_BYTES);

    const tooLong = () => uploadMetadataOf(sized(longest + 1));
    expect(tooLong).toThrow(UploadMetadataTooLargeError);
    expect(tooLong).toThrow(/the mask's parameters take 20\d\d bytes as S3 object metadata, over the 2048 bytes S3 allows an object/);
    try {
      tooLong();
    } catch (error) {
      expect(error).toMatchObject({ limit: S3_METADATA_MAX_BYTES, bytes: expect.any(Number) });
      expect((error as UploadMetadataTooLargeError).bytes).toBeGreaterThan(S3_METADATA_MAX_BYTES);
    }
  });

  it("finds nothing in metadata without our key, and refuses a value that is not base64url JSON", () => {
    expect(sidecarOfMetadata(undefined)).toBeUndefined();
    expect(sidecarOfMetadata({ "uploaded-by": "console" })).toBeUndefined();
    expect(() => sidecarOfMetadata({ [UPLOAD_SETTINGS_METADATA_KEY]: "not base64!" })).toThrow(UploadRejectedError);
    expect(() => sidecarOfMetadata({ [UPLOAD_SETTINGS_METADATA_KEY]: Buffer.from("{oops").toString("base64url") })).toThrow(/cds-settings metadata is not base64url JSON/);
  });

  it("rejects, before anything is uploaded, a mask whose parameters could not travel as metadata", async () => {
    const image = randomImage(64, 32, 200, seededRandom(1));
    for (let i = 0; i < 60; i++) image.rgb.set([250, 40, 10], 3 * ((31 + i * 7) % (64 * 32)));
    const bytes = encodePackBitsTiff(image);
    const whole = { excludeTopLeft: "0x0", excludeTopRight: "0x0" };

    const plan = await prepareSubmission(
      [
        { file: "ok.tif", name: "ok", bytes, sidecar: whole },
        { file: "long.tif", name: "long", bytes, sidecar: { ...whole, notifyEmail: `${"a".repeat(1600)}@example.org` } },
      ],
      { name: "lm", width: 64, height: 32, count: 10 },
    );

    expect(plan.masks.map((m) => m.name)).toEqual(["ok"]);
    expect(plan.rejected).toEqual([{ name: "long", file: "long.tif", reason: expect.stringMatching(/over the 2048 bytes S3 allows/) }]);
    expect(() => uploadMetadataOf(plan.masks[0]!.sidecar)).not.toThrow();
  });
});

describe("readUploadParameters (intake's parameters)", () => {
  it("prefers the object's metadata to a sidecar beside it", async () => {
    const uploads = memoryStore(true);
    await uploads.put("lm/mask.tif.json", json({ xyShift: 4 }));
    await uploads.put("lm/mask.tif", new Uint8Array(1), { metadata: uploadMetadataOf({ xyShift: 0, ...tag }) });

    expect(await readUploadParameters(uploads, "lm/mask.tif")).toEqual({ sidecar: { xyShift: 0, ...tag }, source: "metadata" });
  });

  it("reads the sidecar when the object carries none of our metadata, or the store keeps no metadata", async () => {
    for (const keepsMetadata of [true, false]) {
      const uploads = memoryStore(keepsMetadata);
      await uploads.put("lm/mask.tif.json", json({ xyShift: 4 }));
      await uploads.put("lm/mask.tif", new Uint8Array(1), keepsMetadata ? { metadata: { "uploaded-by": "console" } } : undefined);

      expect(await readUploadParameters(uploads, "lm/mask.tif")).toEqual({ sidecar: { xyShift: 4 }, source: "sidecar" });
    }
  });

  it("falls back to the defaults when there is neither, and refuses a sidecar that is not JSON", async () => {
    const uploads = memoryStore(true);
    await uploads.put("lm/plain.tif", new Uint8Array(1));
    await uploads.put("lm/broken.tif", new Uint8Array(1));
    await uploads.put("lm/broken.tif.json", new TextEncoder().encode("{ xyShift: 4"));

    expect(await readUploadParameters(uploads, "lm/plain.tif")).toEqual({ sidecar: undefined, source: "defaults" });
    await expect(readUploadParameters(uploads, "lm/broken.tif")).rejects.toThrow(/sidecar lm\/broken\.tif\.json is not valid JSON/);
  });
});
