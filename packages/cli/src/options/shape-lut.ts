import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { CdsError } from "@cds/core";
import { loadLutFile, type Lut, rainbowLut } from "@cds/core/image";
import type { Io } from "../io.ts";

/** A LUT file is 256 short lines; anything much larger is not one. */
const MAX_LUT_BYTES = 64 * 1024;

/**
 * The colour-depth LUT the shape score reads slice numbers from: `--lut`, else $CDS_LUT, else
 * the built-in approximation of PsychedelicRainBow2 (the table synthetic libraries are drawn
 * with; within 3 per channel of the real one, so real CDMs then get approximate shape scores).
 * The real table is Janelia's data and is not shipped with cds.
 */
export async function resolveShapeLut(cwd: string, option: string | undefined, io: Io): Promise<{ lut: Lut; source: string }> {
  const path = option ?? process.env.CDS_LUT;
  if (path === undefined || path === "") {
    io.error(
      "cds: note: no --lut (or $CDS_LUT): shape scores use the built-in approximation of the PsychedelicRainBow2 LUT; " +
        "pass the real PsychedelicRainBow2.lut for upstream-exact scores of real CDMs",
    );
    return { lut: rainbowLut(), source: "built-in" };
  }
  const file = resolve(cwd, path);
  const size = await stat(file).then(
    (s) => s.size,
    (cause) => {
      throw new CdsError(`cannot read the LUT file ${path}`, { cause });
    },
  );
  if (size > MAX_LUT_BYTES) throw new CdsError(`${path} is ${size} bytes, too large for a colour-depth LUT (at most ${MAX_LUT_BYTES})`);
  return { lut: await loadLutFile(file), source: file };
}
