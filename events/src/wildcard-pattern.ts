import { EventPatternError } from "./errors.ts";

/**
 * Compiles an EventBridge wildcard (`*` for any run of characters, `\*` for a star, `\\` for a
 * backslash) into an anchored regular expression. Like EventBridge, it refuses consecutive
 * stars and a backslash before anything else.
 *
 * @example
 * wildcardRegExp("detail.key", "masks/*.png").test("masks/a.png") // true
 */
export function wildcardRegExp(field: string, wildcard: string): RegExp {
  let source = "";
  let previousWasStar = false;
  for (let i = 0; i < wildcard.length; i++) {
    const char = wildcard[i]!;
    if (char === "\\") {
      const escaped = wildcard[i + 1];
      if (escaped !== "*" && escaped !== "\\") {
        throw new EventPatternError(field, `in wildcard "${wildcard}" a backslash may only escape "*" or "\\"`);
      }
      source += `\\${escaped}`;
      i++;
      previousWasStar = false;
    } else if (char === "*") {
      if (previousWasStar) throw new EventPatternError(field, `wildcard "${wildcard}" has consecutive "*"`);
      source += "[\\s\\S]*";
      previousWasStar = true;
    } else {
      source += char.replace(/[\^$.*+?()[\]{}|\\/]/, "\\$&");
      previousWasStar = false;
    }
  }
  return new RegExp(`^${source}$`);
}
