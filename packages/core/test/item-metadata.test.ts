import { describe, expect, it } from "vitest";
import { applyMetadata, itemMetadataFromPath, MetadataFileError, parseMetadataFile } from "../src/library/item-metadata.ts";

const NB = "LH2033-20170120_61_A4-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_1-01";
const parsed = { publishedName: "LH2033", slideCode: "20170120_61_A4", gender: "f", objective: "40x", anatomicalArea: "brain", alignmentSpace: "JRC2018_Unisex_20x_HR", channel: "1" };

describe("itemMetadataFromPath", () => {
  it("reads NeuronBridge's LM naming, with or without the driver field", () => {
    expect(itemMetadataFromPath(`sn/70/${NB}.tif`)).toEqual({ name: NB, sourcePath: `sn/70/${NB}.tif`, ...parsed });
    expect(itemMetadataFromPath("SS00724-20140623_32_B5-m-63x-brain-JRC2018_Unisex_20x_HR-CDM_2.tif")).toMatchObject({ publishedName: "SS00724", slideCode: "20140623_32_B5", gender: "m", objective: "63x", channel: "2" });
  });

  it("reads it after a prefix: dash-separated fields, or words before a space", () => {
    for (const prefix of ["lab7-", "lab7-run-2-", "0001-", "plate 3 ", "my lab 2024-"]) {
      const name = `${prefix}${NB}`;
      expect(itemMetadataFromPath(`${name}.png`), prefix).toEqual({ name, sourcePath: `${name}.png`, ...parsed });
    }
  });

  it("reads an EM body id after a prefix, and leaves other names alone", () => {
    expect(itemMetadataFromPath("12191-RT-JRC2018_Unisex_20x_HR-CDM.tif")).toMatchObject({ publishedName: "12191", gender: "f" });
    expect(itemMetadataFromPath("hemibrain-1537331894-RT-JRC2018_Unisex_20x_HR-CDM.tif")).toMatchObject({ publishedName: "1537331894" });
    expect(itemMetadataFromPath("my-neuron-mask.png")).toEqual({ name: "my-neuron-mask", sourcePath: "my-neuron-mask.png" });
  });
});

describe("parseMetadataFile", () => {
  it("reads a CSV with quoted fields and a JSON array, by name or source path", () => {
    const csv = parseMetadataFile('name,publishedName,gender\r\ntarget-1,"R10,A06",m\n"target ""2""",R20B01,f\n', "m.csv");
    expect(csv.get("target-1")).toEqual({ publishedName: "R10,A06", gender: "m" });
    expect(csv.get('target "2"')).toEqual({ publishedName: "R20B01", gender: "f" });
    const json = parseMetadataFile('[{"sourcePath":"a/t.tif","channel":2}]', "m.json");
    expect(applyMetadata(itemMetadataFromPath("a/t.tif"), json)).toEqual({ name: "t", sourcePath: "a/t.tif", channel: "2" });
  });

  it("refuses unknown columns, rows naming no target, and broken files, with the file's name", () => {
    expect(() => parseMetadataFile("name,genotype\nx,y\n", "m.csv")).toThrow(/m\.csv: unknown column "genotype"/);
    expect(() => parseMetadataFile("gender\nf\n", "m.csv")).toThrow(/m\.csv row 1: needs a "name" or "sourcePath"/);
    expect(() => parseMetadataFile("[1,", "m.json")).toThrow(MetadataFileError);
    expect(() => parseMetadataFile('name,gender\n"x,f\n', "m.csv")).toThrow(/not closed/);
  });
});
