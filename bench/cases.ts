/**
 * The in-process map/unmap cases of the suite: each boots its model, sets up its buffers, checks
 * once (before timing) that the bytes really travel — the CPU's data reaches the swiotlb slot and
 * the device's data comes back to the buffer — and returns the loop tinybench times.
 *
 * Every bounced iteration moves real bytes: the buffer is filled with a pattern once (so every
 * page of it is backed and no copy degenerates into a sparse-memory no-op), then in each
 * iteration the CPU writes an 8-byte stamp (the iteration number) at the start of the buffer
 * before the map, and for DMA_FROM_DEVICE / DMA_BIDIRECTIONAL the device writes its own 8-byte
 * stamp at the mapped address before the unmap.
 */
import { boot } from "../src/init.js";
import type { Kernel } from "../src/kernel.js";
import type { Device } from "../src/drivers/device.js";
import { buildConfig, resolveKernel, resolvePlatform } from "../src/scenario/config.js";
import * as api from "../src/kernel/dma/mapping.js";
import { dma_to_phys } from "../src/kernel/dma/direct.js";
import { is_swiotlb_buffer } from "../src/kernel/dma/swiotlb/index.js";
import { device_access } from "../src/drivers/dma-master.js";
import { xen_dma_to_phys } from "../src/xen/swiotlb-xen.js";
import type { Scatterlist } from "../src/kernel/dma/ops.js";
import { DMA_BIDIRECTIONAL, DMA_FROM_DEVICE, DMA_TO_DEVICE, GFP_KERNEL } from "../src/include/gfp.js";

export const DIRS = { BIDIRECTIONAL: DMA_BIDIRECTIONAL, TO_DEVICE: DMA_TO_DEVICE, FROM_DEVICE: DMA_FROM_DEVICE } as const;
export type DirName = keyof typeof DIRS;

export interface MapCase {
  platform: string;
  set?: Record<string, string>;
  kernel?: string;
  /** bytes per mapping (per sg entry with `sg`) */
  size: number;
  dir: DirName;
  /** sg list of this many entries (dma_map_sg) instead of dma_map_single */
  sg?: number;
  /** the mapping must bounce (true), must not (false), or either (null: reported) */
  bounce: boolean | null;
  /** move data (stamps) in the loop; false for the bare direct pair, which moves none by definition */
  data: boolean;
}

export function bootK(platform: string, set: Record<string, string> = {}, kernel?: string): Kernel {
  const p = resolvePlatform(platform);
  return boot(p, resolveKernel(kernel), buildConfig(p, set).cfg);
}

function dev0(k: Kernel): Device {
  return k.devices.get(k.platform.defaultDevice)!;
}

export function checkQuiet(k: Kernel, what: string): void {
  if (k.faults.length) throw new Error(`${what}: unexpected ${k.faults[0]!.kind}: ${k.faults[0]!.message}`);
  if (k.diagnostics.length) throw new Error(`${what}: unexpected dma-debug ${k.diagnostics[0]!.id}: ${k.diagnostics[0]!.message}`);
}

const stamp = (v: number, tag: number) => {
  const s = new Uint8Array(8);
  new DataView(s.buffer).setUint32(0, v >>> 0, true);
  s[4] = tag;
  s[5] = 0x5a;
  s[6] = 0xa5;
  s[7] = tag ^ 0xff;
  return s;
};

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A prepared case: `loop(n)` does n map+unmap pairs; `bounced` says whether the mapping bounced. */
export interface Prepared {
  k: Kernel;
  loop: (n: number) => void;
  bounced: boolean;
  /** bytes the CPU and the device exchanged in the verified iteration (0 for no-data cases) */
  verifiedBytes: number;
}

export function prepare(what: string, c: MapCase): Prepared {
  const k = bootK(c.platform, c.set ?? {}, c.kernel);
  const dev = dev0(k);
  const dir = DIRS[c.dir];
  const n = c.sg ?? 1;
  const bufs: number[] = [];
  for (let i = 0; i < n; i++) {
    const b = k.slab.kmalloc(k, c.size, GFP_KERNEL);
    if (!b) throw new Error(`${what}: kmalloc(${c.size}) failed`);
    bufs.push(b);
  }
  // the pattern: every byte of every buffer written once, so every page is backed
  const pattern = new Uint8Array(c.size);
  for (let i = 0; i < c.size; i++) pattern[i] = (i * 7 + 3) & 0xff;
  for (const b of bufs) k.kwrite(b, pattern);
  const toDev = dir !== DMA_FROM_DEVICE;
  const fromDev = dir !== DMA_TO_DEVICE;
  const cpuStamp = stamp(0, 0xc0);
  const devStamp = stamp(0, 0xde);
  const devOff = c.size >= 16 ? 8 : 0;
  const sgl: Scatterlist[] = bufs.map((b) => ({ page: k.arch.virt_to_page(k, b), offset: b - Math.floor(b / 4096) * 4096, length: c.size, dma_address: 0, dma_length: 0 }));

  // one mapping, the kernel's way; returns the bus addresses
  const map = (): number[] => {
    if (c.sg) {
      const ents = api.dma_map_sg_attrs(k, dev, sgl, n, dir, 0);
      if (ents <= 0) throw new Error(`${what}: dma_map_sg failed`);
      return sgl.slice(0, ents).map((s) => s.dma_address);
    }
    const a = api.dma_map_single_attrs(k, dev, bufs[0]!, c.size, dir, 0);
    if (api.dma_mapping_error(k, dev, a)) throw new Error(`${what}: dma_map_single failed`);
    return [a];
  };
  const unmap = (addrs: number[]) => {
    if (c.sg) api.dma_unmap_sg_attrs(k, dev, sgl, n, dir, 0);
    else api.dma_unmap_page_attrs(k, dev, addrs[0]!, c.size, dir, 0, true);
  };

  // --- the check, once per run: the CPU's bytes reach the device's view, the device's come back ---
  let verifiedBytes = 0;
  const v = stamp(0x1234567, 0xc0);
  if (c.data && toDev) for (const b of bufs) k.kwrite(b, v);
  const addrs = map();
  // the device's address back to the (pseudo-)physical address the kernel mapped: on Xen via the M2P
  const bounced = addrs.some((a) => {
    const p = k.xen ? xen_dma_to_phys(k, dev, a) : dma_to_phys(k, dev, a);
    return p >= 0 && is_swiotlb_buffer(k, p);
  });
  if (c.bounce !== null && bounced !== c.bounce) throw new Error(`${what}: the mapping ${bounced ? "bounced" : "did not bounce"}, the case needs it ${c.bounce ? "bounced" : "direct"}`);
  if (c.data) {
    const want = pattern.slice();
    if (toDev) want.set(v, 0);
    for (let i = 0; i < addrs.length; i++) {
      if (!toDev) break;
      const seen = device_access(k, dev, addrs[i]!, c.size);
      if (!seen || !same(seen, want)) throw new Error(`${what}: the device does not see the CPU's ${c.size} bytes at ${addrs[i]!.toString(16)} (entry ${i})`);
      verifiedBytes += c.size;
    }
    if (fromDev) {
      const d = stamp(0x7654321, 0xde);
      for (const a of addrs) device_access(k, dev, a + devOff, 8, d);
      unmap(addrs);
      want.set(d, devOff);
      // DMA_FROM_DEVICE: only the bytes the device wrote are promised (the rest of the buffer is
      // whatever the slot held); DMA_BIDIRECTIONAL: the whole buffer
      for (const b of bufs) {
        const back = toDev ? k.kread(b, c.size) : k.kread(b + devOff, 8);
        if (!same(back, toDev ? want : d)) throw new Error(`${what}: the device's bytes did not come back to the buffer`);
        verifiedBytes += back.length;
      }
    } else unmap(addrs);
  } else unmap(addrs);
  checkQuiet(k, what);

  // steady state: let a bouncing case's slot search go once round the whole pool (first touches of
  // the pool's memory allocate the model's frames), as a long-running kernel's pool has been
  const mem = k.io_tlb_default_mem;
  if (bounced && mem) {
    const per = Math.max(1, Math.ceil((c.size * n) / 2048));
    for (let i = 0; i < mem.nslabs / per + 1; i++) unmap(map());
  }

  let iter = 0;
  const cpuView = new DataView(cpuStamp.buffer);
  const devView = new DataView(devStamp.buffer);
  const loop = c.data
    ? (count: number) => {
        for (let j = 0; j < count; j++) {
          iter++;
          if (toDev) {
            cpuView.setUint32(0, iter, true);
            for (let e = 0; e < n; e++) k.kwrite(bufs[e]!, cpuStamp);
          }
          let a0: number;
          if (c.sg) {
            const ents = api.dma_map_sg_attrs(k, dev, sgl, n, dir, 0);
            if (ents <= 0) throw new Error(`${what}: dma_map_sg failed`);
            a0 = sgl[0]!.dma_address;
          } else {
            a0 = api.dma_map_single_attrs(k, dev, bufs[0]!, c.size, dir, 0);
            if (api.dma_mapping_error(k, dev, a0)) throw new Error(`${what}: dma_map_single failed`);
          }
          if (fromDev) {
            devView.setUint32(0, iter, true);
            if (c.sg) for (let e = 0; e < n; e++) device_access(k, dev, sgl[e]!.dma_address + devOff, 8, devStamp);
            else device_access(k, dev, a0 + devOff, 8, devStamp);
          }
          if (c.sg) api.dma_unmap_sg_attrs(k, dev, sgl, n, dir, 0);
          else api.dma_unmap_page_attrs(k, dev, a0, c.size, dir, 0, true);
        }
      }
    : (count: number) => {
        for (let j = 0; j < count; j++) {
          const a = api.dma_map_single_attrs(k, dev, bufs[0]!, c.size, dir, 0);
          if (api.dma_mapping_error(k, dev, a)) throw new Error(`${what}: dma_map_single failed`);
          api.dma_unmap_page_attrs(k, dev, a, c.size, dir, 0, true);
        }
      };
  return { k, loop, bounced, verifiedBytes };
}

/**
 * The baseline of the bouncing cases: the same two 4 KiB copies in plain JavaScript between the
 * same places — a 4 KiB buffer and a 4 KiB slot that cycles through a pool of `poolBytes` (64 MiB
 * like swiotlb's default pool), one slot further each iteration as the next-fit slot search does.
 */
export function copyBaseline(size: number, poolBytes: number): (n: number) => void {
  // both in one page-aligned WebAssembly.Memory, as a big model's frames are (src/mm/physmem.ts arenas): the
  // host memmove's speed depends on the two ends' relative alignment, and an ArrayBuffer's bytes start wherever
  // malloc puts them — the baseline drew 185–200 or 290–310 ns per process by that alone (stop 17)
  const pages = (n: number) => Math.ceil(n / 65536);
  const mem = new WebAssembly.Memory({ initial: pages(size) + pages(poolBytes), maximum: pages(size) + pages(poolBytes) }).buffer;
  const buf = new Uint8Array(mem, 0, size);
  const pool = new Uint8Array(mem, pages(size) * 65536, poolBytes);
  for (let i = 0; i < size; i++) buf[i] = (i * 7 + 3) & 0xff;
  const slots = Math.floor(poolBytes / size);
  // first touch of the whole pool outside the timing, as for the model's pool
  for (let s = 0; s < slots; s++) pool.set(buf, s * size);
  let s = 0;
  return (n: number) => {
    for (let j = 0; j < n; j++) {
      const off = s * size;
      pool.set(buf, off); // map: orig → slot
      buf.set(pool.subarray(off, off + size)); // unmap: slot → orig
      if (++s === slots) s = 0;
    }
  };
}
