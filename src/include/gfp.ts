/**
 * include/linux/gfp.h and dma-mapping.h constants (5.13 bit values).
 */
export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_ATOMIC = 0x200;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_NOWARN = 0x2000;
export const __GFP_NORETRY = 0x10000;
export const __GFP_COMP = 0x40000;
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

export const GFP_ATOMIC = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;

export const GFP_NAMES: Record<string, number> = {
  GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_NOIO, GFP_NOFS, GFP_DMA, GFP_DMA32,
  __GFP_DMA, __GFP_DMA32, __GFP_HIGHMEM, __GFP_ZERO, __GFP_NOWARN, __GFP_NORETRY, __GFP_COMP,
  __GFP_DIRECT_RECLAIM, __GFP_KSWAPD_RECLAIM, __GFP_HIGH, __GFP_ATOMIC, __GFP_IO, __GFP_FS,
};

/** gfpflags_allow_blocking */
export function gfpflags_allow_blocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

/** Print gfp flags the way %pGg does (roughly): composite names first. */
export function gfpName(gfp: number): string {
  const parts: string[] = [];
  let rest = gfp;
  for (const [n, v] of [["GFP_KERNEL", GFP_KERNEL], ["GFP_ATOMIC", GFP_ATOMIC], ["GFP_NOWAIT", GFP_NOWAIT]] as const) {
    if ((rest & v) === v && v !== 0) {
      parts.push(n);
      rest &= ~v;
      break;
    }
  }
  for (const [n, v] of Object.entries(GFP_NAMES)) {
    if (n.startsWith("GFP_")) continue;
    if (rest & v) {
      parts.push(n);
      rest &= ~v;
    }
  }
  if (rest) parts.push("0x" + rest.toString(16));
  return parts.join("|") || "0";
}

/** Parse "GFP_KERNEL|__GFP_ZERO" or a number. */
export function parseGfp(s: string | number): number {
  if (typeof s === "number") return s;
  let v = 0;
  for (const part of s.split("|").map((x) => x.trim()).filter(Boolean)) {
    if (/^(0x[0-9a-f]+|\d+)$/i.test(part)) v |= Number(part);
    else if (part in GFP_NAMES) v |= GFP_NAMES[part]!;
    else throw new RangeError(`unknown gfp flag '${part}'`);
  }
  return v;
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

export const ATTR_NAMES: Record<string, number> = {
  DMA_ATTR_WEAK_ORDERING, DMA_ATTR_WRITE_COMBINE, DMA_ATTR_NO_KERNEL_MAPPING, DMA_ATTR_SKIP_CPU_SYNC,
  DMA_ATTR_FORCE_CONTIGUOUS, DMA_ATTR_ALLOC_SINGLE_PAGES, DMA_ATTR_NO_WARN, DMA_ATTR_PRIVILEGED,
};

export function parseAttrs(s: string | number | undefined): number {
  if (s === undefined) return 0;
  if (typeof s === "number") return s;
  let v = 0;
  for (const part of s.split("|").map((x) => x.trim()).filter(Boolean)) {
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
