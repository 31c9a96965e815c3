/**
 * The mask's own name from its upload key, as a person named the file: the last path part,
 * without the `<submissionId>-<position>-` that `cds submit` puts before it to keep uploads apart.
 *
 * @example
 * maskNameOf({ maskKey: "lm/sub-5b0c-0003-my mask.png", submissionId: "sub-5b0c" }) // "my mask.png"
 * maskNameOf({ maskKey: "lm/mask.png" })                                            // "mask.png"
 */
export function maskNameOf(search: { maskKey: string; submissionId?: string }): string {
  const file = search.maskKey.split("/").pop() || search.maskKey;
  if (search.submissionId && file.startsWith(`${search.submissionId}-`)) {
    const rest = file.slice(search.submissionId.length + 1).replace(/^\d+-/, "");
    if (rest) return rest;
  }
  return file;
}
