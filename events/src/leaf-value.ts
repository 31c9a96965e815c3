/**
 * A value at a leaf of a JSON event. Objects and arrays are not leaves: EventBridge flattens
 * them into dotted field names, with array elements sharing their array's name.
 */
export type LeafValue = string | number | boolean | null;
