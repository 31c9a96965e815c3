/**
 * What a library records about each target, parsed from NeuronBridge-style file names where
 * they follow the convention, always with the name and the source path.
 */
export interface ItemMetadata {
  /** File name without folder and extension. */
  name: string;
  /** Where the image came from, relative to the indexed source. */
  sourcePath: string;
  publishedName?: string;
  slideCode?: string;
  gender?: string;
  objective?: string;
  anatomicalArea?: string;
  alignmentSpace?: string;
  channel?: string;
}

/**
 * Parses NeuronBridge names. LM: `line-slideCode-driver-gender-objective-area-alignmentSpace-CDM_<ch>[-nn]`
 * split on `-` (the driver field may be absent); EM: `bodyId-…-CDM[-FL]` (a numeric first field). Anything else keeps only
 * name and path.
 *
 * @example
 * itemMetadataFromPath("searchable_neurons/70/LH2033-20170120_61_A4-GAL4-f-40x-brain-JRC2018_Unisex_20x_HR-CDM_1-01.tif")
 * // { publishedName: "LH2033", slideCode: "20170120_61_A4", gender: "f", objective: "40x", anatomicalArea: "brain", … }
 */
export function itemMetadataFromPath(sourcePath: string): ItemMetadata {
  const file = sourcePath.split(/[\\/]/).pop() ?? sourcePath;
  const name = file.replace(/\.(tiff?|png|jpe?g)$/i, "");
  const fields = name.split("-");
  const cdmAt = fields.findIndex((f) => /^CDM(_\d+)?$/.test(f));
  if (cdmAt === 6 || cdmAt === 7) {
    // With or without the driver field between slide code and gender.
    const [publishedName, slideCode, ...rest] = fields.slice(0, cdmAt);
    const [gender, objective, anatomicalArea, alignmentSpace] = rest.slice(cdmAt - 6);
    const channel = /^CDM_(\d+)$/.exec(fields[cdmAt])?.[1];
    return { name, sourcePath, publishedName, slideCode, gender, objective, anatomicalArea, alignmentSpace, ...(channel ? { channel } : {}) };
  }
  if (/^\d+$/.test(fields[0]) && fields.length > 1) {
    return { name, sourcePath, publishedName: fields[0], gender: "f" };
  }
  return { name, sourcePath };
}
