// @cds/core's public surface: the names of @cds/core/text that other packages import, listed by name.
export { csvCell } from "./csv-cell.ts";
export { isEmailAddress } from "./email-address.ts";
export { printable } from "./printable.ts";
