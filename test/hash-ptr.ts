/**
 * The kernel's %p of a pointer in tests (lib/vsprintf.c ptr_to_id, 5.6–6.18): siphash_1u64(ptr) & 0xffffffff
 * as 16 zero-padded digits on 64-bit, siphash_1u32 as 8 on 32-bit ARM, with dmasim's fixed ptr_key (the
 * SipHash reference key; test/trace-hash-ptr.test.ts checks siphash against lib/siphash_kunit.c's vectors).
 * Computed here from siphash directly, not through src/lib/vsprintf.ts, so a test of a message checks the
 * message's plumbing as well.
 */
import { siphash_1u32, siphash_1u64 } from "../src/lib/siphash.js";
import { PTR_KEY } from "../src/lib/vsprintf.js";

/** `va` as a kernel hex string ("0xffff…"), a number in dmasim's signed form, or a bigint */
export function hashP(va: string | number | bigint, bits: 32 | 64 = 64): string {
  const v = BigInt.asUintN(bits, typeof va === "bigint" ? va : BigInt(va));
  const h = bits === 32 ? siphash_1u32(Number(v), PTR_KEY) : siphash_1u64(v, PTR_KEY);
  return (h & 0xffff_ffffn).toString(16).padStart(bits / 4, "0");
}
