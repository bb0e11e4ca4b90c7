/**
 * A compile-time check that two types are the same: each assignable to the other and the same keys (so an
 * optional field on one side only is caught too). The schema modules use
 * it to keep a zod schema and the explicit interface its export is typed with in step: the exported
 * schema is typed `z.ZodType<Foo>` (a fast type for `deno publish` and `deno doc`), and
 * `const _same: SameType<z.output<typeof fooZod>, Foo> = true` fails `deno check` when a field is added
 * to one and not the other.
 *
 * @example
 * ```ts
 * import type { SameType } from "./same_type.ts";
 * const yes: SameType<{ a: number }, { a: number }> = true;
 * const no: SameType<{ a: number }, { a: number; b?: string }> = false;
 * console.assert(yes && !no);
 * ```
 *
 * @module
 */

/** `true` when `A` and `B` are assignable to each other and have the same (string) keys, else `false`. */
export type SameType<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? [keyof A & string] extends [keyof B & string]
      ? [keyof B & string] extends [keyof A & string] ? true : false
    : false
  : false
  : false;
