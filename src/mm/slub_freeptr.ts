/**
 * mm/slub.c free pointers as bytes in the model's RAM: where a free object keeps the link to the next free
 * object (s->offset: calculate_sizes), how it is stored (set_freepointer / get_freepointer through
 * freelist_ptr, 6.6+ freelist_ptr_encode / freelist_ptr_decode, with CONFIG_SLAB_FREELIST_HARDENED's
 * `ptr ^ s->random ^ swab(ptr_addr)`), and what the allocation fast path does when the word it loads is not
 * a free object's address (a device wrote the free object: DMA after kfree): slab_alloc_node hands the
 * object out and makes the decoded word the cpu freelist head, and the next allocation dereferences it —
 * the arch's kernel paging fault, x86_64's general protection fault for a non-canonical address, or a
 * mapped address handed out as an object.
 *
 * Facts: docs/verified-facts.md §"Stop 28: SLUB free pointers in RAM".
 */
import type { Kernel } from "../kernel.js";
import type { KmemCache } from "./slub.js";
import { KernelFault, type FaultRecord } from "../core/faults.js";
import { hex64 } from "../core/u64.js";
import { die_kernel_fault } from "../kernel/panic.js";
import { slub_freelist_double_free } from "./mm-debug.js";

/** 3202fa62fb43 "slub: relocate freelist pointer to middle of object" (5.7; with 89b83f282d8b's freepointer_area) */
const SW_FP_MIDDLE = "3202fa62fb43";
/** e41a49fadbc8 "mm/slub: actually fix freelist pointer vs redzoning" (5.13): ALIGN_DOWN(object_size / 2, sizeof(void *)) */
const SW_FP_ALIGN_DOWN = "e41a49fadbc8";

const TWO32 = 4294967296;

/** sizeof(void *) */
function ptr_size(k: Kernel): number {
  return k.arch.name === "arm" ? 4 : 8;
}

/**
 * mm/slub.c calculate_sizes' free pointer offset inside the object (no SLAB_TYPESAFE_BY_RCU, no ctor, no
 * SLAB_POISON): 5.6 0 (the first word); 5.7–5.12 (3202fa62fb43, 89b83f282d8b) ALIGN(freepointer_area / 2,
 * sizeof(void *)) when freepointer_area (ALIGN(object_size, sizeof(void *))) is above one word, else 0;
 * 5.13–6.18 (e41a49fadbc8) ALIGN_DOWN(object_size / 2, sizeof(void *)).
 */
export function freeptr_offset_in_object(k: Kernel, object_size: number): number {
  const P = ptr_size(k);
  if (k.sw[SW_FP_ALIGN_DOWN]) return Math.floor(Math.floor(object_size / 2) / P) * P;
  if (k.sw[SW_FP_MIDDLE]) {
    const area = Math.ceil(object_size / P) * P;
    return area > P ? Math.ceil(Math.floor(area / 2) / P) * P : 0;
  }
  return 0;
}

/** FNV-1a (32 bits) of a string from a seed */
function fnv1a(str: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < str.length; i++) h = Math.imul(h ^ str.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * mm/slub.c kmem_cache_open (5.6–6.18), CONFIG_SLAB_FREELIST_HARDENED: `s->random = get_random_long()`. The
 * model's "random" value is fixed per cache so runs replay (as print_oops_end_marker's oops_id): FNV-1a of
 * the cache's name from two seeds, the low and high 32 bits (arm32: the low word only).
 */
export function init_freelist_random(k: Kernel, s: KmemCache): void {
  s.random_lo = fnv1a(s.name, 0x811c9dc5);
  s.random_hi = ptr_size(k) === 8 ? fnv1a(s.name, 0x5bd1e995) : 0;
}

/** __swab32 */
function swab32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

// one reused word for the loads and stores (kwrite / kreadInto copy)
const word8 = new Uint8Array(8);
const word4 = word8.subarray(0, 4);

/** word8[i … i + 3] as a little-endian u32 */
function u32le(i: number): number {
  return (word8[i]! | (word8[i + 1]! << 8) | (word8[i + 2]! << 16) | (word8[i + 3]! << 24)) >>> 0;
}
/** word8[i … i + 3] = v, little-endian */
function put32le(i: number, v: number): void {
  word8[i] = v;
  word8[i + 1] = v >>> 8;
  word8[i + 2] = v >>> 16;
  word8[i + 3] = v >>> 24;
}

/** The decoded free pointer of the last get_freepointer that did not fit a number (|value| ≥ 2^53): a non-canonical 64-bit address */
export let wide_freepointer = 0n;

/**
 * mm/slub.c set_freepointer (5.6–6.18): with CONFIG_SLAB_FREELIST_HARDENED BUG_ON(object == fp) ("naive
 * detection of double free or corruption"), then `*(void **)freeptr_addr = freelist_ptr(s, fp,
 * freeptr_addr)` (6.6+: `*(freeptr_t *)freeptr_addr = freelist_ptr_encode(…)`): the pointer, hardened
 * XORed with s->random and swab(freeptr_addr), stored little-endian at object + s->offset. `fp` is an
 * address, or a bigint for a non-canonical word a corrupted freelist left at the head.
 */
export function set_freepointer(k: Kernel, s: KmemCache, object: number, fp: number | bigint): void {
  const hardened = k.cfg.CONFIG_SLAB_FREELIST_HARDENED;
  if (hardened && object === fp) slub_freelist_double_free(k);
  const a = object + s.offset;
  let lo: number;
  let hi: number;
  if (typeof fp === "number") {
    lo = fp >>> 0;
    hi = ((fp - lo) / TWO32) >>> 0;
  } else {
    const u = BigInt.asUintN(64, fp);
    lo = Number(u & 0xffffffffn);
    hi = Number(u >> 32n);
  }
  if (ptr_size(k) === 4) {
    if (hardened) lo = (lo ^ s.random_lo ^ swab32(a >>> 0)) >>> 0;
    put32le(0, lo);
    k.kwrite(a, word4, "set_freepointer");
    return;
  }
  if (hardened) {
    // swab(ptr_addr) of a 64-bit word: the halves swapped, each byte-reversed
    const alo = a >>> 0;
    const ahi = ((a - alo) / TWO32) >>> 0;
    lo = (lo ^ s.random_lo ^ swab32(ahi)) >>> 0;
    hi = (hi ^ s.random_hi ^ swab32(alo)) >>> 0;
  }
  put32le(0, lo);
  put32le(4, hi);
  k.kwrite(a, word8, "set_freepointer");
}

/**
 * mm/slub.c get_freepointer (5.6–6.18; get_freepointer_safe without debug_pagealloc): the word at object +
 * s->offset, through freelist_ptr / freelist_ptr_decode. An address that fits a number is returned; a
 * 64-bit value that does not (|value| ≥ 2^53, non-canonical on every modelled 64-bit layout) returns NaN
 * with the value in `wide_freepointer`. A load the MMU refuses oopses (Kernel.kreadInto).
 */
export function get_freepointer(k: Kernel, s: KmemCache, object: number): number {
  const a = object + s.offset;
  const hardened = k.cfg.CONFIG_SLAB_FREELIST_HARDENED;
  if (ptr_size(k) === 4) {
    k.kreadInto(a, 4, word4, "get_freepointer");
    let lo = u32le(0);
    if (hardened) lo = (lo ^ s.random_lo ^ swab32(a >>> 0)) >>> 0;
    return lo;
  }
  k.kreadInto(a, 8, word8, "get_freepointer");
  let lo = u32le(0);
  let hi = u32le(4);
  if (hardened) {
    const alo = a >>> 0;
    const ahi = ((a - alo) / TWO32) >>> 0;
    lo = (lo ^ s.random_lo ^ swab32(ahi)) >>> 0;
    hi = (hi ^ s.random_hi ^ swab32(alo)) >>> 0;
  }
  const shi = hi | 0;
  if (shi >= -0x200000 && shi < 0x200000) return shi * TWO32 + lo;
  wide_freepointer = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  return NaN;
}

/** A 64-bit address as %016lx */
function hex16(a: number | bigint): string {
  return typeof a === "number" ? hex64(a).slice(2) : BigInt.asUintN(64, a).toString(16).padStart(16, "0");
}

/**
 * Whether a 64-bit kernel load of `a` cannot be translated at all: x86_64 (4-level paging) an address
 * whose bits 63..47 are not all equal (non-canonical: #GP, not #PF); arm64 one outside both TTBR0's
 * [0, 2^VA_BITS) and TTBR1's [-2^VA_BITS, 0) ranges.
 */
function noncanonical(k: Kernel, a: number | bigint): boolean {
  if (k.arch.name === "arm") return false;
  if (typeof a === "bigint") return true;
  const bits = k.arch.name === "x86_64" ? 47 : (k.cfg.va_bits ?? 48);
  return a >= 2 ** bits || a < -(2 ** bits);
}

/**
 * The fault of a load from a non-canonical address `a` (the freelist head plus s->offset): x86_64
 * arch/x86/kernel/traps.c do_general_protection (5.6–6.18) → die_addr with GPFSTR ", %s 0x%lx", "probably
 * for non-canonical address" (__die's ": 0000 [#1] …" suffix and the registers are not modelled); arm64
 * arch/arm64/mm/fault.c do_translation_fault → do_bad_area → __do_kernel_fault → die_kernel_fault
 * ("Unable to handle kernel paging request at virtual address %016lx") with show_pte's "[%016lx] address
 * between user and kernel address ranges" (5.6–6.18).
 */
function freeptr_noncanonical_fault(k: Kernel, a: number | bigint, pc: string): never {
  const rec: FaultRecord = { kind: "oops", message: "", addr: "0x" + hex16(a), step: k.step, pc };
  if (k.arch.name === "x86_64") {
    rec.message = `general protection fault, probably for non-canonical address 0x${BigInt.asUintN(64, BigInt(a)).toString(16)}`;
  } else {
    rec.message = `Unable to handle kernel paging request at virtual address ${hex16(a)}`;
    rec.lines = [`[${hex16(a)}] address between user and kernel address ranges`];
    // die_kernel_fault's ESR: the walk's first level (as for a TTBR0 address; 2^52 stands for the address, above TTBR0's
    // range). With CONFIG_KASAN its kasan_non_canonical_hook line would need the real address: no report then (model bound)
    if (!k.cfg.CONFIG_KASAN) rec.report = die_kernel_fault(k, { addr: 2 ** 52, first: rec.message, pte: rec.lines, pc, chain: k.tr?.stack });
  }
  k.tr?.fault("oops", rec.message + ` (pc: ${pc})`);
  throw new KernelFault(rec);
}

/**
 * mm/slub.c slab_alloc_node's fast path (5.6–6.18) on a freelist head the free pointers no longer describe:
 * `next_object = get_freepointer_safe(s, object)` — a load from object + s->offset, which faults when that
 * address has no translation (non-canonical, unmapped, not RAM) — and the object is handed out. Returns
 * the next head (NaN: wide_freepointer). `pc`: the loading function (the slow paths' get_freepointer).
 */
export function get_freepointer_safe_at(k: Kernel, s: KmemCache, object: number | bigint, pc = "get_freepointer_safe"): number {
  if (typeof object === "bigint" || noncanonical(k, object + s.offset)) {
    const a = typeof object === "bigint" ? BigInt.asIntN(64, object + BigInt(s.offset)) : object + s.offset;
    freeptr_noncanonical_fault(k, a, pc);
  }
  return get_freepointer(k, s, object);
}

/** The freelist head as the trace prints it */
export function fmt_freepointer(k: Kernel, a: number | bigint): string {
  if (typeof a === "bigint") return "0x" + hex16(a);
  return k.arch.fmtVa(a);
}
