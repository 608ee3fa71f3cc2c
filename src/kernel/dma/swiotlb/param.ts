/**
 * early_param("swiotlb", setup_io_tlb_npages): the swiotlb= boot option, character by character as
 * each era's parser reads it. Every occurrence of the option on a command line runs the parser once, in
 * order, on the state the previous ones left (a dmasim run has one: --set's replaces the scenario's).
 *
 * Checked (kernel/dma/swiotlb.c setup_io_tlb_npages): 5.6.4, 5.9.1, 5.10.7, 5.12.9 (:113–131 / :115–133,
 * io_tlb_nslabs), 5.14-rc5, 5.15.178, 5.17-rc5 (default_nslabs), 5.19 (swiotlb_force_bounce /
 * swiotlb_force_disable) — `[<slabs>][,]force|noforce`; 6.1.166 :161–181, 6.6.63 :185–205, 6.12.19
 * :185–205, 6.18.35 :186–206 — `[<slabs>][,][<areas>][,]force|noforce`. Nothing is ever refused: a
 * field that does not match is skipped or ends the parse, and the rest of the string is ignored.
 */

/** What the swiotlb= occurrences so far have set. */
export interface SwiotlbParam {
  /**
   * io_tlb_nslabs (5.6–5.12) / default_nslabs (5.13+) as setup_io_tlb_npages left it: ALIGN(simple_strtoul(str, &str, 0),
   * IO_TLB_SEGSIZE), an unsigned long (64-bit: both the number and the ALIGN wrap modulo 2^64); undefined: no slab count given
   */
  nslabs?: bigint;
  /** the unsigned int swiotlb_adjust_nareas was last called with (6.0+): simple_strtoul's unsigned long truncated, before the power-of-two rounding */
  nareas?: number;
  force: "normal" | "force" | "noforce";
}

/** unsigned long on the 64-bit kernels that build kernel/dma/swiotlb.c here (arm64, x86_64; 32-bit ARM selects SWIOTLB only with LPAE or Xen) */
const ULONG_MAX = (1n << 64n) - 1n;
/** IO_TLB_SEGSIZE (include/linux/swiotlb.h, 5.6–6.18) */
const SEGSIZE = 128n;

function isdigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isxdigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/**
 * lib/vsprintf.c simple_strtoul(cp, &endp, 0) (5.6–6.18, lib/kstrtox.c _parse_integer_fixup_radix): "0x"
 * followed by a hex digit is base 16, a leading "0" base 8, else base 10; then the digits of that base.
 * _parse_integer (5.6–5.x) / _parse_integer_limit (6.x) flag an overflow but keep `res = res * base + val`
 * in an unsigned long long, so the value is the number modulo 2^64 (then unsigned long: the same on 64-bit).
 */
export function simple_strtoull(s: string, i: number): { value: bigint; end: number } {
  let base = 10;
  if (s[i] === "0") base = (s[i + 1] === "x" || s[i + 1] === "X") && isxdigit(s[i + 2]) ? 16 : 8;
  if (base === 16) i += 2;
  const B = BigInt(base);
  let value = 0n;
  for (; i < s.length; i++) {
    const c = s[i]!;
    const d = isdigit(c) ? c.charCodeAt(0) - 48 : isxdigit(c) ? (c.toLowerCase().charCodeAt(0) - 87) : 99;
    if (d >= base) break;
    value = (value * B + BigInt(d)) & ULONG_MAX;
  }
  return { value, end: i };
}

/** simple_strtoull as a number (exact below 2^53) */
export function simple_strtoul(s: string, i: number): { value: number; end: number } {
  const r = simple_strtoull(s, i);
  return { value: Number(r.value), end: r.end };
}

/** ALIGN(x, IO_TLB_SEGSIZE) on an unsigned long (include/linux/align.h __ALIGN_KERNEL): ((x + 127) & ~127) modulo 2^64 — so 2^64 - 127 and above wrap to 0 */
function ALIGN_SEGSIZE(x: bigint): bigint {
  return (x + SEGSIZE - 1n) & ~(SEGSIZE - 1n) & ULONG_MAX;
}

/** one field of setup_io_tlb_npages: `if (isdigit(*str))` a simple_strtoul number handed to `put`, then `if (*str == ',') ++str`; returns where the next field starts */
function numberField(str: string, i: number, put: (v: bigint) => void): number {
  if (isdigit(str[i])) {
    const r = simple_strtoull(str, i);
    put(r.value);
    i = r.end;
  }
  return str[i] === "," ? i + 1 : i;
}

/** the force / noforce tail: strcmp, the whole rest of the string; 5.19+ (c6af2aa9ffc9) two booleans, of which swiotlb_force_disable wins in swiotlb_init_remap */
function forceTail(rest: string, st: SwiotlbParam, twoFlags: boolean): void {
  if (rest === "force") {
    // 5.6–5.18: swiotlb_force = SWIOTLB_FORCE (the last occurrence wins); 5.19+: swiotlb_force_bounce = true,
    // which does not clear a swiotlb_force_disable an earlier occurrence set
    if (!(twoFlags && st.force === "noforce")) st.force = "force";
  } else if (rest === "noforce") st.force = "noforce";
}

/**
 * kernel/dma/swiotlb.c setup_io_tlb_npages (5.6–5.19): `if (isdigit(*str))` the slab count
 * (simple_strtoul, base 0), one `,` skipped, then strcmp against "force" / "noforce". An areas field
 * is not read: in `1024,4,force` the tail "4,force" matches neither, so force is ignored.
 * (5.6–5.12 `noforce` also sets io_tlb_nslabs = 1: the era's noforce_nslabs.)
 */
export function setup_io_tlb_npages_v5(str: string, st: SwiotlbParam, twoFlags: boolean): void {
  const i = numberField(str, 0, (v) => (st.nslabs = ALIGN_SEGSIZE(v)));
  forceTail(str.slice(i), st, twoFlags);
}

/**
 * kernel/dma/swiotlb.c setup_io_tlb_npages (6.0–6.18, 20347fca71a3): the slab count if a digit leads,
 * one `,` skipped, swiotlb_adjust_nareas(simple_strtoul) if a digit follows, one more `,` skipped,
 * then strcmp against "force" / "noforce" — so `,,force` and `,4` parse.
 */
export function setup_io_tlb_npages_v6(str: string, st: SwiotlbParam): void {
  let i = numberField(str, 0, (v) => (st.nslabs = ALIGN_SEGSIZE(v)));
  // swiotlb_adjust_nareas(unsigned int nareas): the unsigned long truncated to 32 bits
  i = numberField(str, i, (v) => (st.nareas = Number(v & 0xffffffffn)));
  forceTail(str.slice(i), st, true);
}
