/**
 * Exactly one email address, `local@domain`: a local part of the characters RFC 5322 allows
 * unquoted (letters of any script, as SMTPUTF8 carries them, digits and ``!#$%&'*+/=?^_`{|}~-``;
 * no comma, semicolon, angle bracket, quote, space or control character, so neither a list of
 * addresses nor a display name nor a header can hide in it), and a domain of dot-separated labels
 * ending in a top-level name of two letters or more. The one definition the sidecar's
 * `notifyEmail` and `cds submit --email` share, so the address mailed is the address stored.
 * (Its length is bounded by what carries it: the sidecar's size cap, S3's 2 KB of metadata.)
 */
const EMAIL_ADDRESS_PATTERN =
  /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,63}$/u;

/**
 * Whether `value` is exactly one email address.
 *
 * @example
 * isEmailAddress("ada@example.org");   // true
 * isEmailAddress("x,ada@example.org"); // false: two recipients to a mailer
 */
export function isEmailAddress(value: unknown): value is string {
  return typeof value === "string" && EMAIL_ADDRESS_PATTERN.test(value);
}
