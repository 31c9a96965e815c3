/**
 * Distinct 32-bit values → dense ids, with an open-addressing table on typed arrays: a shard
 * holds millions of pixels, and a `Map` per pixel costs several times more.
 */
export class ValuePalette {
  private keys: Int32Array;
  private ids: Int32Array;
  private mask: number;
  readonly values: number[] = [];

  constructor(capacityPow2 = 1 << 14) {
    this.keys = new Int32Array(capacityPow2).fill(-1);
    this.ids = new Int32Array(capacityPow2);
    this.mask = capacityPow2 - 1;
  }

  get size(): number {
    return this.values.length;
  }

  /** The id of a non-negative value, adding it if new. */
  idOf(value: number): number {
    let slot = Math.imul(value, 0x9e3779b1) >>> 0 & this.mask;
    for (;;) {
      const k = this.keys[slot];
      if (k === value) return this.ids[slot];
      if (k === -1) break;
      slot = (slot + 1) & this.mask;
    }
    const id = this.values.length;
    this.values.push(value);
    this.keys[slot] = value;
    this.ids[slot] = id;
    if (this.values.length * 2 > this.keys.length) this.grow();
    return id;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldIds = this.ids;
    this.keys = new Int32Array(oldKeys.length * 2).fill(-1);
    this.ids = new Int32Array(oldKeys.length * 2);
    this.mask = this.keys.length - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const value = oldKeys[i];
      if (value === -1) continue;
      let slot = Math.imul(value, 0x9e3779b1) >>> 0 & this.mask;
      while (this.keys[slot] !== -1) slot = (slot + 1) & this.mask;
      this.keys[slot] = value;
      this.ids[slot] = oldIds[i];
    }
  }
}
