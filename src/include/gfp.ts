/**
 * include/linux/gfp.h: the ___GFP_* bits and the GFP_* composites of each modelled kernel, with
 * the values that kernel gives them (docs/verified-facts.md §GFP: 5.6.4, 5.10.7, 5.12.9, 5.14.0
 * and 5.19.0 trees), and dma-mapping.h's directions and attributes.
 *
 * The low 23 bits (___GFP_DMA 0x01 … ___GFP_ACCOUNT 0x400000) are the same in 5.6–5.19. Above
 * them the layout moved: 5.6/5.10 have only ___GFP_NOLOCKDEP (0x800000, with CONFIG_LOCKDEP);
 * 5.13/5.14 add ___GFP_ZEROTAGS 0x800000 and ___GFP_SKIP_KASAN_POISON 0x1000000 (NOLOCKDEP moves
 * to 0x2000000) and GFP_HIGHUSER_MOVABLE gains __GFP_SKIP_KASAN_POISON; 5.19 adds ___GFP_SKIP_ZERO
 * and ___GFP_SKIP_KASAN_UNPOISON, makes the three KASAN bits 0 without CONFIG_KASAN_HW_TAGS and
 * moves NOLOCKDEP to 0x8000000. The modelled configurations have neither CONFIG_LOCKDEP nor
 * CONFIG_KASAN_HW_TAGS, so those flags are 0 where the kernel makes them 0.
 */
export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_ATOMIC = 0x200;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_WRITE = 0x1000;
export const __GFP_NOWARN = 0x2000;
export const __GFP_RETRY_MAYFAIL = 0x4000;
export const __GFP_NOFAIL = 0x8000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;
export const __GFP_ACCOUNT = 0x400000;
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

export const GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;

/** The bits every modelled kernel (5.6–5.19) defines with the same value. */
const COMMON_BITS: Readonly<Record<string, number>> = {
  __GFP_DMA, __GFP_HIGHMEM, __GFP_DMA32, __GFP_MOVABLE, __GFP_RECLAIMABLE, __GFP_HIGH, __GFP_IO, __GFP_FS,
  __GFP_ZERO, __GFP_ATOMIC, __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_WRITE, __GFP_NOWARN,
  __GFP_RETRY_MAYFAIL, __GFP_NOFAIL, __GFP_NORETRY, __GFP_MEMALLOC, __GFP_COMP, __GFP_NOMEMALLOC,
  __GFP_HARDWALL, __GFP_THISNODE, __GFP_ACCOUNT, __GFP_RECLAIM,
};

/** A kernel's gfp.h layout: the bits above ___GFP_ACCOUNT, with CONFIG_LOCKDEP and CONFIG_KASAN_HW_TAGS off. */
interface GfpLayout {
  /** the kernels that use it */
  kernels: readonly string[];
  /** extra __GFP_* bits (0 where the kernel defines the flag as 0 in the modelled configuration) */
  bits: Readonly<Record<string, number>>;
  /** the __GFP_ bit GFP_HIGHUSER_MOVABLE adds beyond GFP_HIGHUSER | __GFP_MOVABLE */
  highuserMovableExtra: number;
  /** __GFP_BITS_SHIFT without lockdep */
  bitsShift: number;
  /** 6.4+ (2973d8229b78 "mm: discard __GFP_ATOMIC"): no __GFP_ATOMIC; GFP_ATOMIC is __GFP_HIGH|__GFP_KSWAPD_RECLAIM */
  noAtomic?: boolean;
  /** 6.8+: GFP_NOWAIT is __GFP_KSWAPD_RECLAIM|__GFP_NOWARN (6.12.19 gfp_types.h:380; 6.6.63 :330 without it) */
  nowaitNowarn?: boolean;
}

const LAYOUTS: readonly GfpLayout[] = [
  // 5.6.4 and 5.10.7: ___GFP_NOLOCKDEP 0x800000 under CONFIG_LOCKDEP, else 0; __GFP_BITS_SHIFT 23 + LOCKDEP
  { kernels: ["5.6", "5.10"], bits: { __GFP_NOLOCKDEP: 0 }, highuserMovableExtra: 0, bitsShift: 23 },
  // 5.14.0 (and 5.13, the release that added both bits): ZEROTAGS 0x800000, SKIP_KASAN_POISON 0x1000000
  // unconditionally, NOLOCKDEP 0x2000000 under CONFIG_LOCKDEP; GFP_HIGHUSER_MOVABLE | __GFP_SKIP_KASAN_POISON
  { kernels: ["5.13", "5.14"], bits: { __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_KASAN_POISON: 0x1000000, __GFP_NOLOCKDEP: 0 }, highuserMovableExtra: 0x1000000, bitsShift: 25 },
  // 5.19.0: SKIP_ZERO 0x1000000, SKIP_KASAN_UNPOISON 0x2000000, SKIP_KASAN_POISON 0x4000000 only with
  // CONFIG_KASAN_HW_TAGS (else 0); NOLOCKDEP 0x8000000 under CONFIG_LOCKDEP; __GFP_BITS_SHIFT 27 + LOCKDEP
  // 6.1.166 gfp_types.h:27–63 is the same layout (with __GFP_ATOMIC 0x200, GFP_NOWAIT = __GFP_KSWAPD_RECLAIM)
  { kernels: ["5.19", "6.1"], bits: { __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_ZERO: 0, __GFP_SKIP_KASAN_UNPOISON: 0, __GFP_SKIP_KASAN_POISON: 0, __GFP_NOLOCKDEP: 0 }, highuserMovableExtra: 0, bitsShift: 27 },
  // 6.6.63 gfp_types.h:27–61, :254: 0x200 unused (no __GFP_ATOMIC), SKIP_ZERO 0x1000000 and SKIP_KASAN 0x2000000
  // only with CONFIG_KASAN_HW_TAGS (else 0), NOLOCKDEP 0x4000000 under CONFIG_LOCKDEP; __GFP_BITS_SHIFT 26 + LOCKDEP
  { kernels: ["6.6"], bits: { __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_ZERO: 0, __GFP_SKIP_KASAN: 0, __GFP_NOLOCKDEP: 0 }, highuserMovableExtra: 0, bitsShift: 26, noAtomic: true },
  // 6.12.19 / 6.18.35 gfp_types.h:26–61: the ___GFP_*_BIT enum, ___GFP_UNUSED_BIT at 9 (0x200), so every value
  // stays; SKIP_ZERO/SKIP_KASAN (KASAN_HW_TAGS), NOLOCKDEP (LOCKDEP) and NO_OBJ_EXT (SLAB_OBJ_EXT) exist only
  // with their options (0 here); __GFP_BITS_SHIFT = ___GFP_LAST_BIT = 24
  { kernels: ["6.12", "6.18"], bits: { __GFP_ZEROTAGS: 0x800000, __GFP_SKIP_ZERO: 0, __GFP_SKIP_KASAN: 0, __GFP_NOLOCKDEP: 0, __GFP_NO_OBJ_EXT: 0 }, highuserMovableExtra: 0, bitsShift: 24, noAtomic: true, nowaitNowarn: true },
];

/** The default kernel's layout (5.19) for callers that name no kernel. */
const DEFAULT_LAYOUT = LAYOUTS.find((l) => l.kernels.includes("5.19"))!;

function layoutOf(kernel: string | undefined): GfpLayout {
  if (kernel === undefined) return DEFAULT_LAYOUT;
  return LAYOUTS.find((l) => l.kernels.includes(kernel)) ?? DEFAULT_LAYOUT;
}

/** gfpNames per layout: built once (parseGfp runs for every step that names gfp flags). */
const NAMES_OF = new Map<GfpLayout, Readonly<Record<string, number>>>();

/** Every __GFP_* bit and GFP_* composite of `kernel` (default: the newest modelled), by name. */
export function gfpNames(kernel?: string): Readonly<Record<string, number>> {
  const l = layoutOf(kernel);
  let names = NAMES_OF.get(l);
  if (names === undefined) NAMES_OF.set(l, (names = Object.freeze(namesOf(l))));
  return names;
}

function namesOf(l: GfpLayout): Record<string, number> {
  const b: Record<string, number> = { ...COMMON_BITS, ...l.bits };
  if (l.noAtomic) delete b.__GFP_ATOMIC;
  const highuserMovable = GFP_HIGHUSER | __GFP_MOVABLE | l.highuserMovableExtra;
  const transhugeLight = (highuserMovable | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
  return {
    GFP_KERNEL, GFP_ATOMIC: l.noAtomic ? __GFP_HIGH | __GFP_KSWAPD_RECLAIM : GFP_ATOMIC, GFP_NOWAIT: l.nowaitNowarn ? __GFP_KSWAPD_RECLAIM | __GFP_NOWARN : GFP_NOWAIT, GFP_NOIO, GFP_NOFS, GFP_KERNEL_ACCOUNT, GFP_USER, GFP_DMA, GFP_DMA32,
    GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE: highuserMovable, GFP_TRANSHUGE_LIGHT: transhugeLight, GFP_TRANSHUGE: transhugeLight | __GFP_DIRECT_RECLAIM,
    ...b,
  };
}

/** The kernels that define flag `name` (for messages). */
function kernelsWith(name: string): string[] {
  return LAYOUTS.filter((l) => (name in COMMON_BITS && !(name === "__GFP_ATOMIC" && l.noAtomic)) || name in l.bits || name.startsWith("GFP_")).flatMap((l) => l.kernels);
}

/** Every name some modelled kernel defines (the schema's vocabulary). */
export const GFP_NAMES: Readonly<Record<string, number>> = Object.assign({}, ...LAYOUTS.map((l) => gfpNames(l.kernels[0])).reverse()) as Record<string, number>;

/** __GFP_BITS_MASK of `kernel` (CONFIG_LOCKDEP off). */
export function gfpBitsMask(kernel?: string): number {
  return 2 ** layoutOf(kernel).bitsShift - 1;
}

/** include/linux/gfp.h gfpflags_allow_blocking (all modelled versions). */
export function gfpflags_allow_blocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

/** Composites gfpName tries first, widest first (as %pGg's table lists them). */
const COMPOSITE_ORDER = ["GFP_TRANSHUGE", "GFP_TRANSHUGE_LIGHT", "GFP_HIGHUSER_MOVABLE", "GFP_HIGHUSER", "GFP_USER", "GFP_KERNEL_ACCOUNT", "GFP_KERNEL", "GFP_NOFS", "GFP_ATOMIC", "GFP_NOIO", "GFP_NOWAIT"];

/** Print gfp flags the way %pGg does (roughly): the widest composite that fits, then __GFP_ bits. */
export function gfpName(gfp: number, kernel?: string): string {
  const names = gfpNames(kernel);
  const parts: string[] = [];
  let rest = gfp;
  for (const n of COMPOSITE_ORDER) {
    const v = names[n]!;
    if (v !== 0 && (rest & v) === v) {
      parts.push(n);
      rest &= ~v;
      break;
    }
  }
  for (const [n, v] of Object.entries(names)) {
    if (n.startsWith("GFP_") || n === "__GFP_RECLAIM" || v === 0) continue;
    if (rest & v) {
      parts.push(n);
      rest &= ~v;
    }
  }
  if (rest) parts.push("0x" + rest.toString(16));
  return parts.join("|") || "0";
}

/**
 * Parse "GFP_KERNEL|__GFP_ZERO", "GFP_HIGHUSER | __GFP_NOWARN" or a number with `kernel`'s values
 * (default: the newest modelled kernel). A name `kernel` does not define is refused, naming the
 * kernels that do.
 */
export function parseGfp(s: string | number, kernel?: string): number {
  if (typeof s === "number") return s;
  const names = gfpNames(kernel);
  let v = 0;
  // as the published JSON Schema's pattern: flags joined by "|", none empty ("GFP_ATOMIC|" is a typo, not GFP_ATOMIC)
  const parts = s.split("|").map((x) => x.trim());
  if (parts.some((p) => p === "")) throw new RangeError(s.trim() === "" ? "no gfp flags given" : `empty flag in '${s}' (flags are joined by '|')`);
  for (const part of parts) {
    if (/^(0x[0-9a-f]+|\d+)$/i.test(part)) v |= Number(part);
    else if (part in names) v |= names[part]!;
    else if (part in GFP_NAMES) throw new RangeError(`gfp flag '${part}' does not exist in Linux ${kernel} (it does in ${kernelsWith(part).join(", ")})`);
    else throw new RangeError(`unknown gfp flag '${part}'`);
  }
  return v >>> 0;
}

/** Whether `s` names flags some modelled kernel defines (what a scenario file may say before its kernel is known). */
export function isGfpSpec(s: string | number): boolean {
  if (typeof s === "number") return Number.isInteger(s) && s >= 0;
  return s
    .split("|")
    .map((x) => x.trim())
    .every((p) => p !== "") && s
    .split("|")
    .map((x) => x.trim())
    .every((p) => /^(0x[0-9a-f]+|\d+)$/i.test(p) || p in GFP_NAMES);
}

/* enum dma_data_direction */
export const DMA_BIDIRECTIONAL = 0;
export const DMA_TO_DEVICE = 1;
export const DMA_FROM_DEVICE = 2;
export const DMA_NONE = 3;
export const DIR_NAMES = ["DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"] as const;

export function parseDir(s: string | number): number {
  if (typeof s === "number") return s;
  const i = (DIR_NAMES as readonly string[]).indexOf(s);
  if (i < 0) throw new RangeError(`unknown DMA direction '${s}' (use ${DIR_NAMES.join(", ")})`);
  return i;
}

/* DMA attributes (include/linux/dma-mapping.h, 5.13) */
export const DMA_ATTR_WEAK_ORDERING = 1 << 1;
export const DMA_ATTR_WRITE_COMBINE = 1 << 2;
export const DMA_ATTR_NO_KERNEL_MAPPING = 1 << 4;
export const DMA_ATTR_SKIP_CPU_SYNC = 1 << 5;
export const DMA_ATTR_FORCE_CONTIGUOUS = 1 << 6;
export const DMA_ATTR_ALLOC_SINGLE_PAGES = 1 << 7;
export const DMA_ATTR_NO_WARN = 1 << 8;
export const DMA_ATTR_PRIVILEGED = 1 << 9;
/** 6.18 (eadaa8b255f3): the address is MMIO; the runner refuses it on older kernels */
export const DMA_ATTR_MMIO = 1 << 10;
/** 6.18.35 (61868dc55a11, mainline 7.0): the CPU will not dirty a cache line of the buffer while it is mapped; only dma-debug reads it */
export const DMA_ATTR_CPU_CACHE_CLEAN = 1 << 11;

export const ATTR_NAMES: Record<string, number> = {
  DMA_ATTR_WEAK_ORDERING, DMA_ATTR_WRITE_COMBINE, DMA_ATTR_NO_KERNEL_MAPPING, DMA_ATTR_SKIP_CPU_SYNC,
  DMA_ATTR_FORCE_CONTIGUOUS, DMA_ATTR_ALLOC_SINGLE_PAGES, DMA_ATTR_NO_WARN, DMA_ATTR_PRIVILEGED, DMA_ATTR_MMIO,
  DMA_ATTR_CPU_CACHE_CLEAN,
};

export function parseAttrs(s: string | number | undefined): number {
  if (s === undefined) return 0;
  if (typeof s === "number") return s;
  let v = 0;
  const parts = s.split("|").map((x) => x.trim());
  if (parts.some((p) => p === "")) throw new RangeError(s.trim() === "" ? "no DMA attributes given" : `empty attribute in '${s}' (attributes are joined by '|')`);
  for (const part of parts) {
    if (part === "0") continue;
    if (part in ATTR_NAMES) v |= ATTR_NAMES[part]!;
    else throw new RangeError(`unknown DMA attribute '${part}'`);
  }
  return v;
}

export function attrsName(a: number): string {
  if (!a) return "0";
  return Object.entries(ATTR_NAMES).filter(([, v]) => a & v).map(([n]) => n).join("|");
}
