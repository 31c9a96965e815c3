import type { AdmissionGateEntity } from "../entities/admission-gate.ts";
import { SEARCH_GATE } from "../entities/admission-gate.ts";
import type { EntityClause } from "../entities/entity-clause.ts";
import type { SearchEntity, SearchItem } from "../entities/search.ts";
import { isConditionFailure } from "../state/condition-failure.ts";
import { StateError } from "../state/state-errors.ts";

/** What asking for a running slot gave: one now, one already held, or none free. */
export type SlotAcquisition = "acquired" | "held" | "full";

/** The limits a slot is taken within. */
export interface SlotLimits {
  /** At most this many searches hold a slot (default: no limit). */
  maxRunning?: number;
  /** At most this many workers granted over all holders (default: no limit). */
  workerBudget?: number;
  /** Workers this search would use (its batch count). */
  wantWorkers?: number;
  /** The fewest workers worth starting with (one leaf's); a smaller free share waits. */
  minWorkers?: number;
}

/** Rounds a gate change retries when other admitters change the gate under it. */
const GATE_ROUNDS = 50;

// ---------------------------------------------------------------------------------------
// Named clauses

/**
 * The gate is still the version this writer read (or still absent): every change is computed
 * from one consistent read and written only if nobody changed the gate in between, so racing
 * admitters cannot over-fill it — the loser reads again.
 */
function gateUnchangedSince(version: number | undefined): EntityClause<AdmissionGateEntity> {
  return ({ version: v }, { eq, notExists }) => (version === undefined ? notExists(v) : eq(v, version));
}

/**
 * The admission access patterns of the state store (see `service.ts`): the running slots and
 * their worker grants as one conditional-write item, and the queue of searches waiting for one.
 *
 * @example
 * const admission = admissionAccess({ admissionGate, search }, () => new Date());
 * if ((await admission.acquireRunningSlot(searchId, 4)) === "acquired") await start(searchId);
 */
export function admissionAccess(entities: { admissionGate: AdmissionGateEntity; search: SearchEntity }, now: () => Date) {
  const { admissionGate: gates, search: searches } = entities;

  async function readGate(): Promise<{ grants: Record<string, number>; version: number | undefined }> {
    const { data } = await gates.get({ gate: SEARCH_GATE }).go({ consistent: true });
    return { grants: { ...(data?.grants ?? {}) }, version: data?.version };
  }

  /** Writes `grants` if the gate is still at `version`; false when another writer got there first. */
  async function writeGate(grants: Record<string, number>, version: number | undefined): Promise<boolean> {
    try {
      await gates
        .put({ gate: SEARCH_GATE, grants, version: (version ?? 0) + 1, updatedAt: now().toISOString() })
        .where(gateUnchangedSince(version))
        .go({ response: "none" });
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return false;
    }
  }

  /** Which searches hold a running slot? (Strongly consistent.) */
  async function listSlotHolders(): Promise<string[]> {
    return Object.keys((await readGate()).grants).sort();
  }

  /** Workers granted to each search holding a slot. */
  async function listSlotGrants(): Promise<Record<string, number>> {
    return (await readGate()).grants;
  }

  /**
   * Give search S a running slot if the limits allow: fewer than `maxRunning` holders, and at
   * least `minWorkers` of the worker budget free — S is granted min(wantWorkers, free). A bare
   * number is `maxRunning`. "held" when S holds one already, "full" when the limits say no.
   */
  async function acquireRunningSlot(searchId: string, limits: SlotLimits | number): Promise<SlotAcquisition> {
    const { maxRunning = Infinity, workerBudget = Infinity, wantWorkers = 1, minWorkers = 1 } = typeof limits === "number" ? { maxRunning: limits } : limits;
    for (let round = 0; round < GATE_ROUNDS; round++) {
      const { grants, version } = await readGate();
      if (searchId in grants) return "held";
      const granted = Object.values(grants).reduce((n, w) => n + w, 0);
      const share = Math.min(wantWorkers, workerBudget - granted);
      if (Object.keys(grants).length >= maxRunning || share < Math.min(minWorkers, wantWorkers)) return "full";
      if (await writeGate({ ...grants, [searchId]: share }, version)) return "acquired";
    }
    throw new StateError(`the admission gate kept changing through ${GATE_ROUNDS} attempts; try again`);
  }

  /** Search S no longer runs (or never will): free its slot and workers. Idempotent. */
  async function releaseRunningSlot(searchId: string): Promise<void> {
    for (let round = 0; round < GATE_ROUNDS; round++) {
      const { grants, version } = await readGate();
      if (!(searchId in grants)) return;
      delete grants[searchId];
      if (await writeGate(grants, version)) return;
    }
    throw new StateError(`the admission gate kept changing through ${GATE_ROUNDS} attempts; try again`);
  }

  /**
   * Which searches wait for a slot, in arrival order (accepted, oldest first)? At most `limit`.
   * Searches holding a slot but not yet marked running are among them.
   */
  async function listWaitingSearches(limit: number): Promise<SearchItem[]> {
    const { data } = await searches.query.byStatus({ status: "accepted" }).go({ order: "asc", limit });
    return data;
  }

  return { listSlotHolders, listSlotGrants, acquireRunningSlot, releaseRunningSlot, listWaitingSearches };
}
