import { type Command, Option } from "commander";
import { defaultSearchParams, formatRegion, parseSearchParams, type SearchParams } from "@cds/core/search";

/** Raw option values as commander hands them over (strings unless parsed). */
export interface SearchOptionValues {
  maskThreshold?: string;
  dataThreshold?: string;
  pixColorFluctuation?: string;
  xyShift?: string;
  mirror?: boolean;
  minMatchingPixRatio?: string;
  excludeTopLeft?: string;
  excludeTopRight?: string;
}

/**
 * Adds the score parameters shared by every command that scores. Defaults are shown from the
 * one parameter schema; validation happens there too, so messages are the same everywhere.
 */
export function addSearchOptions(command: Command, { withMinRatio = true } = {}): Command {
  const d = defaultSearchParams;
  command
    .option("--mask-threshold <n>", `mask pixels count when a channel is above this, 0-255 (default ${d.maskThreshold})`)
    .option("--data-threshold <n>", `target pixels count when a channel is above this, 0-255 (default ${d.dataThreshold})`)
    .option(
      "--pix-color-fluctuation <f>",
      `allowed colour (depth) difference in percent; 1.18 is about one z-slice (default ${d.pixColorFluctuation})`,
    )
    .addOption(new Option("--xy-shift <n>", `XY shift tried, in pixels (default ${d.xyShift})`).choices(["0", "2", "4"]))
    .option("--mirror", `also try the mask mirrored left-right (default ${d.mirrorMask ? "on" : "off"})`)
    .option("--no-mirror", "do not try the mirrored mask");
  if (withMinRatio) {
    command.option(
      "--min-matching-pix-ratio <percent>",
      `keep targets whose matching ratio is above this percent (default ${d.minMatchingPixRatio})`,
    );
  }
  return command
    .option(
      "--exclude-top-left <WxH>",
      `ignore mask pixels in this top-left rectangle, the name label (default ${formatRegion(d.excludeTopLeft)})`,
    )
    .option(
      "--exclude-top-right <WxH>",
      `ignore mask pixels in this top-right rectangle, the colour legend (default ${formatRegion(d.excludeTopRight)}; NeuronBridge's web search used 250x90)`,
    );
}

/** Turns option values into validated {@link SearchParams}; throws ParameterError on bad input. */
export function searchParamsFromOptions(values: SearchOptionValues): SearchParams {
  return parseSearchParams({
    maskThreshold: values.maskThreshold,
    dataThreshold: values.dataThreshold,
    pixColorFluctuation: values.pixColorFluctuation,
    xyShift: values.xyShift,
    mirrorMask: values.mirror,
    minMatchingPixRatio: values.minMatchingPixRatio,
    excludeTopLeft: values.excludeTopLeft,
    excludeTopRight: values.excludeTopRight,
  });
}
