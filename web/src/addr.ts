/**
 * Addresses of a step, and what they are: the address view's logic (pure, no DOM).
 *
 * A step's addresses come from its results (cpu_addr, page, dma_handle, pfn, ...) and from its
 * trace (call arguments, return values, virt_to_page notes, memory accesses, faults). Each is
 * placed in the booted model's layout: which region of the kernel's virtual address space, which
 * physical RAM bank or reservation — so "this address is in vmalloc, and virt_to_page assumed
 * linear" is visible at a glance.
 */
import type { Band, LayoutInfo, StepResult } from "./protocol.js";

export type Space = "va" | "phys" | "bus";

export interface Marker {
  space: Space;
  addr: bigint;
  labels: string[];
}

const HEX = /^0x[0-9a-f]+$/i;
const VA_ARGS = new Set(["cpu_addr", "vaddr", "addr", "ptr", "page", "buf", "virt", "va"]);
const BUS_ARGS = new Set(["dma_addr", "dma_handle", "dev_addr", "handle"]);

class Collector {
  readonly markers: Marker[] = [];
  add(space: Space, value: string | bigint, label: string) {
    let addr: bigint;
    try {
      addr = typeof value === "bigint" ? value : BigInt(value);
    } catch {
      return;
    }
    if (addr === 0n || addr === 0xffff_ffff_ffff_ffffn) return; // NULL, DMA_MAPPING_ERROR
    const m = this.markers.find((x) => x.space === space && x.addr === addr);
    if (m) {
      if (!m.labels.includes(label) && m.labels.length < 4) m.labels.push(label);
    } else this.markers.push({ space, addr, labels: [label] });
  }
  /** "pfn 0x…" and "phys 0x…" mentions in free text */
  physIn(text: string, label: string) {
    for (const m of text.matchAll(/\bphys (0x[0-9a-f]+)/gi)) this.add("phys", m[1]!, label);
    for (const m of text.matchAll(/\bpfn (0x[0-9a-f]+)/gi)) this.add("phys", BigInt(m[1]!) << 12n, `pfn ${m[1]}`);
  }
}

/** Conversions whose argument is a pfn or a physical address, not a kernel pointer. */
const ARG_NOT_VA = new Set(["pfn_to_page", "phys_to_page", "phys_to_virt", "__va"]);

/** Conversions the trace notes as "fn(arg) = result", and what kind of value each returns. */
const CONVERSIONS: Record<string, Space | "pfn"> = {
  virt_to_page: "va",
  vmalloc_to_page: "va",
  pfn_to_page: "va",
  phys_to_page: "va",
  page_address: "va",
  page_to_virt: "va",
  phys_to_virt: "va",
  __va: "va",
  virt_to_phys: "phys",
  __pa: "phys",
  page_to_phys: "phys",
  page_to_pfn: "pfn",
  virt_to_pfn: "pfn",
};

/** The addresses a step touched, results first, then the trace in order. */
export function stepMarkers(step: StepResult): Marker[] {
  const c = new Collector();
  const r = step.result;
  const str = (k: string) => (typeof r[k] === "string" && HEX.test(r[k] as string) ? (r[k] as string) : undefined);
  const cpu = str("cpu_addr");
  if (cpu) c.add("va", cpu, "cpu_addr");
  const ret = str("ret");
  if (ret && ret !== cpu && BigInt(ret) > 0xffffn) c.add("va", ret, "returned address");
  if (str("page")) c.add("va", str("page")!, "page (struct page *)");
  if (str("vm_start")) c.add("va", str("vm_start")!, "user mapping (vm_start)");
  if (str("dma_handle")) c.add("bus", str("dma_handle")!, "dma_handle");
  if (str("dma_addr")) c.add("bus", str("dma_addr")!, "dma_addr");
  if (str("pfn")) c.add("phys", BigInt(str("pfn")!) << 12n, `pfn ${str("pfn")}`);
  if (str("buffer_pfn")) c.add("phys", BigInt(str("buffer_pfn")!) << 12n, `buffer_pfn ${str("buffer_pfn")}`);
  if (str("phys")) c.add("phys", str("phys")!, "phys");

  for (const e of step.trace) {
    switch (e.kind) {
      case "call":
        for (const [k, v] of Object.entries(e.args ?? {})) {
          if (!HEX.test(v)) continue;
          if (VA_ARGS.has(k)) c.add("va", v, `${e.fn}(${k})`);
          else if (BUS_ARGS.has(k)) c.add("bus", v, `${e.fn}(${k})`);
        }
        break;
      case "ret": {
        if (!e.ret) break;
        const m = /^(?:page )?(0x[0-9a-f]+)/i.exec(e.ret);
        if (m && BigInt(m[1]!) > 0xffffn) c.add("va", m[1]!, `${e.fn} returned${e.ret.startsWith("page ") ? " (struct page *)" : ""}`);
        const h = /\*(?:dma_)?handle = (0x[0-9a-f]+)/i.exec(e.ret);
        if (h) c.add("bus", h[1]!, `${e.fn}: *dma_handle`);
        c.physIn(e.ret, e.fn);
        break;
      }
      case "note": {
        const m = /^([a-z_]+)\((0x[0-9a-f]+)\) = (0x[0-9a-f]+)/i.exec(e.text);
        const kind = m ? CONVERSIONS[m[1]!] : undefined;
        if (m && kind) {
          const [, fn, arg, res] = m as unknown as [string, string, string, string];
          if (!ARG_NOT_VA.has(fn)) c.add("va", arg, `passed to ${fn}()`);
          if (kind === "pfn") c.add("phys", BigInt(res) << 12n, `${fn}()`);
          else c.add(kind, res, `${fn}(${arg})`);
        }
        c.physIn(e.text, m ? `${m[1]}()` : "trace note");
        break;
      }
      case "mem":
        if (e.who === "device") c.add("bus", e.addr, `device ${e.op}`);
        else c.add("va", e.addr, `${e.who} ${e.op}`);
        c.add("phys", e.phys, `${e.who} ${e.op}`);
        break;
      case "walk":
        c.add("va", e.va, "page-table walk");
        break;
      case "swiotlb":
        c.add("phys", e.tlb_addr, `swiotlb ${e.op} (tlb_addr)`);
        break;
      case "fault": {
        const m = /virtual address (0x[0-9a-f]+)/i.exec(e.message);
        if (m) c.add("va", m[1]!, `${e.fault} faulting address`);
        c.physIn(e.message, e.fault);
        break;
      }
      case "cache":
        c.add("phys", e.phys, `cache ${e.op}`);
        break;
      case "decision":
      case "diagnostic":
        break;
    }
  }
  return c.markers;
}

const big = (s: string) => BigInt(s);

export function inBand(a: bigint, b: Band): boolean {
  return a >= big(b.start) && a < big(b.end);
}

export interface Placement {
  /** the top-level region, or null when the address falls between regions */
  region: Band | null;
  /** a sub-range inside it (populated memmap, RAM in the linear map, kernel image, a reservation) */
  sub: Band | null;
  /** one line for a student: what this address is, and what that means for the DMA code */
  text: string;
  /** is this a kind of address the code could legitimately use here? drives the warning colour */
  bad: boolean;
}

function hexOf(a: bigint): string {
  return "0x" + a.toString(16);
}

export function placeVa(a: bigint, L: LayoutInfo): Placement {
  const region = L.va.find((b) => inBand(a, b)) ?? null;
  // the most specific sub-range: a struct page, then the kernel image, then RAM in the linear map
  const subs = L.vaSub.filter((b) => inBand(a, b));
  const sub = subs.find((b) => b.kind === "memmap") ?? subs.find((b) => b.kind === "kimage") ?? subs[0] ?? null;
  if (sub?.kind === "memmap") {
    const pfn = (a - big(L.memmapBase)) / BigInt(L.structPageSize);
    return { region, sub, text: `a struct page: the page of pfn ${hexOf(pfn)}`, bad: false };
  }
  if (!region) {
    const below = [...L.va].reverse().find((b) => big(b.end) <= a);
    const above = L.va.find((b) => big(b.start) > a);
    const where = below && above ? `between ${below.name} and ${above.name}` : below ? `above ${below.name}` : above ? `below ${above.name}` : "outside the layout";
    return { region, sub, text: `${where}: no kernel mapping here, not a valid pointer — dereferencing it oopses`, bad: true };
  }
  switch (region.kind) {
    case "user":
      return { region, sub, text: "mapped by the process's own page tables", bad: false };
    case "linear":
      return sub?.kind === "kimage"
        ? { region, sub, text: "the kernel image", bad: false }
        : sub
          ? { region, sub, text: "virt_to_page() / virt_to_phys() are valid here (plain arithmetic)", bad: false }
          : { region, sub, text: "no RAM behind this part of the linear map", bad: true };
    case "vmalloc":
      return sub?.kind === "kimage"
        ? { region, sub, text: "the kernel image", bad: false }
        : { region, sub, text: "virt_to_page() is not valid here: it assumes a linear-map address and computes a bogus struct page; vmalloc_to_page() walks the page tables to the real one", bad: false };
    case "vmemmap":
      return { region, sub, text: "past the populated memmap: no struct page here — dereferencing it oopses", bad: true };
    case "kimage":
      return { region, sub, text: "the kernel image", bad: false };
    default:
      return { region, sub, text: region.name, bad: false };
  }
}

export function placePhys(a: bigint, L: LayoutInfo): Placement {
  const region = L.ram.find((b) => inBand(a, b)) ?? null;
  const sub = L.reserved.find((b) => inBand(a, b)) ?? null;
  if (!region) return { region, sub, text: "not RAM: a CPU or user access here is an external abort (SIGBUS for user space)", bad: true };
  return { region, sub, text: sub ? "reserved at boot (memblock)" : "RAM managed by the page allocator", bad: false };
}

/** Where a DMA address sits in the device's IOVA space (IOMMU platforms). */
export function placeIova(a: bigint, L: LayoutInfo): Placement {
  const region = L.iommu?.iova.find((b) => inBand(a, b)) ?? null;
  return {
    region,
    sub: null,
    text: `an IOVA: ${L.iommu?.name ?? "the IOMMU"} translates it through the DMA domain's page table (the trace's table walk names the physical page); after dma_unmap it ${L.iommu?.strict ? "faults at once (strict)" : "can still reach the old page until the IOTLB flush (lazy)"}`,
    bad: false,
  };
}

/** Segments of a strip: the regions, plus the gaps between them. Each gets a share of the width. */
export interface Segment {
  start: bigint;
  end: bigint;
  band: Band | null;
  x: number;
  w: number;
}

export function segments(regions: Band[], lo: bigint, hi: bigint, width: number, gapWeight = 0.35): Segment[] {
  const parts: { start: bigint; end: bigint; band: Band | null }[] = [];
  let at = lo;
  for (const b of regions) {
    const s = big(b.start);
    const e = big(b.end);
    if (s > at) parts.push({ start: at, end: s, band: null });
    parts.push({ start: s, end: e, band: b });
    at = e;
  }
  if (hi > at) parts.push({ start: at, end: hi, band: null });
  const total = parts.reduce((n, p) => n + (p.band ? 1 : gapWeight), 0);
  let x = 0;
  return parts.map((p) => {
    const w = (width * (p.band ? 1 : gapWeight)) / total;
    const seg = { ...p, x, w };
    x += w;
    return seg;
  });
}

/** x position of an address on a strip (linear inside its segment). */
export function xOf(a: bigint, segs: Segment[]): number | null {
  for (const s of segs) {
    if (a >= s.start && a < s.end) {
      const span = s.end - s.start;
      const frac = span > 0n ? Number(((a - s.start) * 10000n) / span) / 10000 : 0;
      return s.x + frac * s.w;
    }
  }
  return null;
}
