import type { AdmissionGateEntity } from "../entities/admission-gate.ts";
import { SEARCH_GATE } from "../entities/admission-gate.ts";
import type { EntityClause } from "../entities/entity-clause.ts";
import type { SearchEntity, SearchItem } from "../entities/search.ts";
import { isConditionFailure } from "./condition-failure.ts";

/** What asking for a running slot gave: one now, one already held, or none free. */
export type SlotAcquisition = "acquired" | "held" | "full";

// ---------------------------------------------------------------------------------------
// Named clauses

/**
 * The gate has a free slot and this search holds none: the one condition that bounds running
 * searches. DynamoDB applies writes to one item one at a time, so of any number of racing
 * acquirers only as many as there are free slots pass, and a search that already holds a slot
 * (a redelivered event, a second admitter) cannot take a second one. An absent set (no holder
 * yet, or the last one left) has every slot free.
 */
function slotFreeFor(searchId: string, limit: number): EntityClause<AdmissionGateEntity> {
  return ({ holders }, { notExists, size, escape, contains }) =>
    `(${notExists(holders)} OR (${size(holders)} < ${escape(limit)} AND NOT ${contains(holders, searchId)}))`;
}

/**
 * The admission access patterns of the state store (see `service.ts`): the running slots as
 * one conditional-write item, and the queue of searches waiting for one.
 *
 * @example
 * const admission = admissionAccess({ admissionGate, search }, () => new Date());
 * if ((await admission.acquireRunningSlot(searchId, 4)) === "acquired") await start(searchId);
 */
export function admissionAccess(entities: { admissionGate: AdmissionGateEntity; search: SearchEntity }, now: () => Date) {
  const { admissionGate: gates, search: searches } = entities;

  /** Which searches hold a running slot? (Strongly consistent.) */
  async function listSlotHolders(): Promise<string[]> {
    const { data } = await gates.get({ gate: SEARCH_GATE }).go({ consistent: true });
    return [...(data?.holders ?? [])].sort();
  }

  /**
   * Give search S a running slot if one of `limit` is free: one conditional update that adds S
   * to the holders (`slotFreeFor`). "held" when S holds one already, "full" when none was free.
   */
  async function acquireRunningSlot(searchId: string, limit: number): Promise<SlotAcquisition> {
    try {
      await gates
        .update({ gate: SEARCH_GATE })
        .add({ holders: [searchId] })
        .set({ updatedAt: now().toISOString() })
        .where(slotFreeFor(searchId, limit))
        .go({ response: "none" });
      return "acquired";
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
    return (await listSlotHolders()).includes(searchId) ? "held" : "full";
  }

  /** Search S no longer runs (or never will): free its slot. Idempotent; no condition needed. */
  async function releaseRunningSlot(searchId: string): Promise<void> {
    await gates.update({ gate: SEARCH_GATE }).delete({ holders: [searchId] }).set({ updatedAt: now().toISOString() }).go({ response: "none" });
  }

  /**
   * Which searches wait for a slot, in arrival order (accepted, oldest first)? At most `limit`.
   * Searches holding a slot but not yet marked running are among them.
   */
  async function listWaitingSearches(limit: number): Promise<SearchItem[]> {
    const { data } = await searches.query.byStatus({ status: "accepted" }).go({ order: "asc", limit });
    return data;
  }

  return { listSlotHolders, acquireRunningSlot, releaseRunningSlot, listWaitingSearches };
}
