/**
 * 64-bit addresses as JS numbers.
 *
 * Every address in dmasim (kernel virtual, physical, DMA/bus, user) is a `number` holding the
 * two's-complement *signed* reading of the 64-bit value. Kernel-half addresses are therefore
 * negative (0xffff800011b0d000 is -0x7ffee4f3000), DMA_MAPPING_ERROR (~0) is -1, and arithmetic
 * that wraps modulo 2^64 in C (vmemmap + 64 * bogus_idx, say) stays exact as long as the true
 * result lies within ±2^53, which holds for every layout modelled (arm64 VA39/VA48, x86_64
 * 4-level, ARM32). Values that would not be exact are refused when parsed (see `parseU64`).
 * Masks wider than 53 bits are kept exactly as bigint by their owners (see drivers/device.ts).
 */

export type Addr = number;

export const TWO64 = 2n ** 64n;
export const TWO63 = 2n ** 63n;
/** Largest magnitude that is exact in a double. */
export const EXACT = 2 ** 53;

/** DMA_MAPPING_ERROR: (dma_addr_t)~0 */
export const DMA_MAPPING_ERROR = -1;

/** Convert a bigint (any 64-bit value, signed or unsigned) to dmasim's signed number form. */
export function fromBig(v: bigint): Addr {
  let x = BigInt.asIntN(64, v);
  const n = Number(x);
  if (!Number.isSafeInteger(n)) throw new RangeError(`address 0x${BigInt.asUintN(64, v).toString(16)} is outside the exactly representable range`);
  return n;
}

/** Convert dmasim's signed number form to an unsigned 64-bit bigint. */
export function toBig(a: Addr): bigint {
  return BigInt.asUintN(64, BigInt(a));
}

/** Print an address the way the kernel prints it with %llx / %px: 16 hex digits for 64-bit. */
export function hex64(a: Addr): string {
  return "0x" + toBig(a).toString(16).padStart(16, "0");
}

/** Short hex (no padding), as %lx prints: for pfns, sizes, offsets. */
export function hex(a: Addr): string {
  if (a < 0) return "0x" + toBig(a).toString(16);
  return "0x" + a.toString(16);
}

/** 32-bit address, 8 digits (ARM32 kernel virtual addresses). */
export function hex32(a: Addr): string {
  return "0x" + (a >>> 0).toString(16).padStart(8, "0");
}

/** Unsigned a <= b for signed-form 64-bit values. */
export function ule(a: Addr, b: Addr): boolean {
  if ((a < 0) === (b < 0)) return a <= b;
  return b < 0; // negative means >= 2^63 unsigned
}

/** Unsigned a < b. */
export function ult(a: Addr, b: Addr): boolean {
  if ((a < 0) === (b < 0)) return a < b;
  return b < 0;
}

/** Math.floor, as a module binding (a call through it is a few bytes shorter, so the helpers below stay small enough for V8 to inline anywhere) */
const floor = Math.floor;

/** Wrap a (possibly out of range) integer result back into signed 64-bit form. */
export function wrap(a: number): Addr {
  // (in range: the value itself; the test is small enough for V8 to inline anywhere)
  return a < 2 ** 63 && a >= -(2 ** 63) ? a : wrapOut(a);
}
function wrapOut(a: number): Addr {
  return a >= 2 ** 63 ? a - 2 ** 64 : a < -(2 ** 63) ? a + 2 ** 64 : a;
}

/** Unsigned difference b - a as a number (requires the true result to be exact). */
export function usub(b: Addr, a: Addr): number {
  return b - a;
}

/** Parse a size or address: decimal, 0x hex, K/M/G/T suffixes (binary). Returns bigint. */
export function parseU64Big(s: string | number | bigint): bigint {
  if (typeof s === "bigint") return s;
  if (typeof s === "number") {
    if (!Number.isSafeInteger(s)) throw new RangeError(`${s} is not an exact integer`);
    return BigInt(s);
  }
  const t = s.trim().replace(/_/g, "");
  const m = /^(0x[0-9a-f]+|0b[01]+|[0-9]+)\s*([kmgt](?:i?b)?)?$/i.exec(t);
  if (!m) throw new RangeError(`'${s}' is not a number (use decimal, 0x hex, or a K/M/G suffix)`);
  let v = BigInt(m[1]!);
  const suf = (m[2] ?? "").toLowerCase()[0];
  if (suf === "k") v <<= 10n;
  else if (suf === "m") v <<= 20n;
  else if (suf === "g") v <<= 30n;
  else if (suf === "t") v <<= 40n;
  if (v >= TWO64) throw new RangeError(`'${s}' does not fit in 64 bits`);
  return v;
}

export function parseU64(s: string | number | bigint): Addr {
  return fromBig(parseU64Big(s));
}

/** DMA_BIT_MASK(n) as an exact bigint. */
export function DMA_BIT_MASK(n: number): bigint {
  return n >= 64 ? TWO64 - 1n : (1n << BigInt(n)) - 1n;
}

/** Limit for fast comparisons: a mask as a number, Infinity when it exceeds the exact range. */
export function maskLimit(m: bigint): number {
  if (m === 0n) return 0;
  return m >= BigInt(EXACT) ? Infinity : Number(m);
}

/** min_not_zero for bigint masks. */
export function min_not_zero(a: bigint, b: bigint): bigint {
  if (a === 0n) return b;
  if (b === 0n) return a;
  return a < b ? a : b;
}

/** fls64: position of the most significant set bit, 1-based; 0 for 0. */
export function fls64(v: bigint): number {
  if (v === 0n) return 0;
  return BigInt.asUintN(64, v).toString(2).length;
}

/** ilog2 of a power of two (or floor log2). */
export function ilog2(v: number): number {
  return Math.floor(Math.log2(v));
}

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;

/** PAGE_ALIGN */
export function PAGE_ALIGN(size: number): number {
  return Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * include/asm-generic/getorder.h get_order(size) (5.6–6.18): smallest order with (PAGE_SIZE << order) >= size; a
 * size of 0 (not a compile-time constant) is `size--` wrapping to ULONG_MAX, so fls64(ULONG_MAX >> PAGE_SHIFT) =
 * BITS_PER_LONG - PAGE_SHIFT: 52 on the 64-bit kernels that ask it (swiotlb-xen and swiotlb_init_late with swiotlb=0),
 * 20 with a 32-bit unsigned long (`bits_per_long` 32; the constant branch returns the same). Exact for every size a
 * double holds exactly (test/vectors-getorder.test.ts replays the recorded vectors of every modelled tree).
 */
export function get_order(size: number, bits_per_long = 64): number {
  if (size === 0) return bits_per_long - PAGE_SHIFT;
  let order = 0;
  let s = PAGE_SIZE;
  while (s < size) {
    s *= 2;
    order++;
  }
  return order;
}

/**
 * offset_in_page(a) for a 64-bit address held as a signed double: floor arithmetic, exact for
 * |a| < 2^53 and equal to ((a % PAGE_SIZE) + PAGE_SIZE) % PAGE_SIZE, but V8 compiles `%` on a
 * non-int32 double into a call to fmod (a third of the direct map/unmap pair's time).
 */
export function offset_in_page(a: Addr): number {
  return a - floor(a / PAGE_SIZE) * PAGE_SIZE;
}

/** PHYS_PFN */
export function PHYS_PFN(p: Addr): number {
  return Math.floor(p / PAGE_SIZE);
}

export function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

export function alignDown(v: number, a: number): number {
  return Math.floor(v / a) * a;
}

/** Parse a hex string or number into an address, for library users. */
export function addr(v: string | number | bigint): Addr {
  return parseU64(v);
}

/**
 * The initial value of a number field that later holds values beyond int32 (addresses, lengths,
 * ±Infinity): -0 is a heap number, so V8 gives the field its double representation at the
 * object's first store. A field that starts as a small integer changes representation at its
 * first large value, which retires the class's hidden class and deoptimises every function
 * compiled for it ("wrong map"). -0 equals 0 in every comparison and sum, and prints as 0.
 */
export const F64_ZERO = -0;
