import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CdsError } from "@cds/core";
import { parseCsv } from "../src/commands/submit/csv.ts";
import { parseManifest } from "../src/commands/submit/manifest.ts";
import { readMaskInputs } from "../src/commands/submit/mask-inputs.ts";
import { tempDir } from "@cds/testing/temp-dir";

// `cds submit`'s inputs: CSV and JSON manifests, folders and files, with per-mask parameters.

describe("parseCsv", () => {
  it("reads quoted fields, doubled quotes, CRLF and a byte-order mark, and drops blank lines", () => {
    expect(parseCsv('\ufefffile,name\r\na.png,"LC4, ""left"""\r\n\r\nb.png,\n')).toEqual([
      ["file", "name"],
      ["a.png", 'LC4, "left"'],
      ["b.png", ""],
    ]);
  });
});

describe("parseManifest", () => {
  it("reads CSV rows into files, names and parameters, leaving empty cells to the command's options", () => {
    expect(parseManifest("file,name,maskThreshold,xyShift\nlc4.png,LC4,50,\nmbon.tif,,,4\n", "csv", "m.csv")).toEqual([
      { file: "lc4.png", name: "LC4", sidecar: { maskThreshold: "50" } },
      { file: "mbon.tif", sidecar: { xyShift: "4" } },
    ]);
  });

  it("reads JSON as a list of objects or file names, or as { masks }", () => {
    const rows = [{ file: "lc4.png", name: "LC4", mirrorMask: false }, "mbon.tif"];
    const expected = [{ file: "lc4.png", name: "LC4", sidecar: { mirrorMask: false } }, { file: "mbon.tif", sidecar: {} }];
    expect(parseManifest(JSON.stringify(rows), "json", "m.json")).toEqual(expected);
    expect(parseManifest(JSON.stringify({ masks: rows }), "json", "m.json")).toEqual(expected);
  });

  it("says what is wrong with a manifest it cannot use", () => {
    expect(() => parseManifest("name,maskThreshold\nLC4,50\n", "csv", "m.csv")).toThrow(/m\.csv has no "file" column/);
    expect(() => parseManifest("file,name\n,LC4\n", "csv", "m.csv")).toThrow(/m\.csv line 2 names no mask file/);
    expect(() => parseManifest("{", "json", "m.json")).toThrow(CdsError);
    expect(() => parseManifest('{"files": []}', "json", "m.json")).toThrow(/must be a JSON array of masks/);
  });
});

describe("readMaskInputs", () => {
  it("expands folders (images only, sorted, recursively), files and manifests, in the order given", async () => {
    const dir = await tempDir("cds-inputs-");
    await mkdir(join(dir, "folder", "sub"), { recursive: true });
    for (const file of ["folder/b.png", "folder/a.tif", "folder/sub/c.jpg", "folder/notes.txt", "folder/.hidden.png", "one.tiff", "listed.png"]) {
      await writeFile(join(dir, file), file);
    }
    await writeFile(join(dir, "masks.csv"), "file,name,maskThreshold\nlisted.png,Listed,50\nmissing.png,Gone,\n");

    const { inputs, unreadable } = await readMaskInputs(["folder", "one.tiff", "masks.csv"], { cwd: dir, base: { maskThreshold: 100, xyShift: 2 } });

    expect(inputs.map((i) => [i.file, i.name, i.sidecar])).toEqual([
      ["folder/a.tif", "a", { maskThreshold: 100, xyShift: 2 }],
      ["folder/b.png", "b", { maskThreshold: 100, xyShift: 2 }],
      ["folder/sub/c.jpg", "c", { maskThreshold: 100, xyShift: 2 }],
      ["one.tiff", "one", { maskThreshold: 100, xyShift: 2 }],
      ["listed.png", "Listed", { maskThreshold: "50", xyShift: 2 }],
    ]);
    expect(new TextDecoder().decode(inputs[4].bytes)).toBe("listed.png");
    expect(unreadable).toEqual([{ name: "Gone", file: "missing.png", reason: "cannot read missing.png: ENOENT" }]);
    await expect(readMaskInputs(["nowhere"], { cwd: dir, base: {} })).rejects.toThrow(/nowhere: no such file or folder/);
  });
});
