import type { Entity, Item, WhereCallback } from "electrodb";

/**
 * A named condition for one entity's writes (`.where(clause)`), typed by the entity's
 * attributes. Service code names every clause after what it guarantees
 * (`batchNotYetRecorded`) and says why next to it.
 *
 * @example
 * const searchStillAccepted: EntityClause<SearchEntity> = ({ status }, { eq }) => eq(status, "accepted");
 */
export type EntityClause<E> =
  E extends Entity<infer A, infer F, infer C, infer S> ? WhereCallback<A, F, C, S, Item<A, F, C, S, S["attributes"]>> : never;
