import { Entity } from "electrodb";
import type { EntityItem } from "electrodb";
import { STATE_SERVICE } from "./state-table.ts";
import type { StateTableLayout } from "./state-table.ts";

/**
 * The `UploadClaim` entity: "upload U belongs to search S". Written once, conditionally,
 * before the search itself, so a duplicated upload event finds the claim and reuses its
 * searchId instead of creating a second search (see `createSearchFromUpload`).
 *
 * Access pattern: "Which search was created from upload U?" (`byUploadKey`).
 *
 * @example
 * const claims = uploadClaimEntity(stateTableLayout());
 * const { data } = await claims.get({ uploadKey: "uploads/mask.png" }).go();
 */
export function uploadClaimEntity(layout: StateTableLayout) {
  return new Entity({
    model: { entity: "uploadClaim", version: "1", service: STATE_SERVICE },
    attributes: {
      uploadKey: { type: "string", required: true, readOnly: true },
      searchId: { type: "string", required: true, readOnly: true },
      claimedAt: { type: "string", required: true, readOnly: true },
    },
    indexes: {
      byUploadKey: {
        pk: { field: layout.fields.pk, composite: ["uploadKey"], casing: "none" },
        sk: { field: layout.fields.sk, composite: [], casing: "none" },
      },
    },
  }, { table: layout.tableName });
}

/** The `UploadClaim` entity's type. */
export type UploadClaimEntity = ReturnType<typeof uploadClaimEntity>;

/** A stored upload claim. */
export type UploadClaimItem = EntityItem<UploadClaimEntity>;
