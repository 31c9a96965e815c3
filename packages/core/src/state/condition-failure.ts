/**
 * Whether an error (or any error in its `cause` chain, as ElectroDB wraps the client's)
 * is DynamoDB refusing a conditional write.
 *
 * @example
 * try { await put.go() } catch (e) { if (!isConditionFailure(e)) throw e; }
 */
export function isConditionFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e.name === "ConditionalCheckFailedException") return true;
    if ((e as { code?: unknown }).code === "ConditionalCheckFailedException") return true;
  }
  return false;
}
