/**
 * A registry of the objects whose typed arrays make up an env's memory. {@linkcode ArrayRegistry.bytes}
 * reads each registered owner's own properties when it is called, so arrays that were replaced since
 * (grown tables) are counted at their current size and a field added to an owner later is counted with no
 * edit here.
 *
 * @example
 * ```ts
 * import { ArrayRegistry } from "./memory.ts";
 * const reg = new ArrayRegistry();
 * const part = { a: new Float64Array(4), b: new Uint8Array(3), n: 7 };
 * reg.add(part);
 * console.assert(reg.bytes() === 35);
 * part.a = new Float64Array(8); // grown: counted at its new size
 * console.assert(reg.bytes() === 67);
 * ```
 *
 * @module
 */

/**
 * Sums the typed arrays owned by registered objects.
 *
 * @example
 * ```ts
 * import { ArrayRegistry } from "./memory.ts";
 * const shared = new Int32Array(10);
 * const reg = new ArrayRegistry();
 * reg.add({ shared }, { shared, other: [1, 2] }); // one view counted once; plain arrays are not counted
 * console.assert(reg.bytes() === 40);
 * ```
 */
export class ArrayRegistry {
  readonly #owners: object[] = [];

  /** Registers owners: every typed array among their own enumerable properties is counted. */
  add(...owners: object[]): void {
    for (const o of owners) if (!this.#owners.includes(o)) this.#owners.push(o);
  }

  /** The typed arrays the owners hold now, each view once, in registration order. */
  arrays(): ArrayBufferView[] {
    const seen = new Set<ArrayBufferView>();
    for (const owner of this.#owners) {
      for (const v of Object.values(owner)) if (ArrayBuffer.isView(v)) seen.add(v);
    }
    return [...seen];
  }

  /** Bytes of the typed arrays the owners hold now. */
  bytes(): number {
    let n = 0;
    for (const a of this.arrays()) n += a.byteLength;
    return n;
  }
}
