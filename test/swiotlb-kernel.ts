/**
 * A Kernel with only what kernel/dma/swiotlb/ uses (RAM, the cache model, log/warn/BUG/oops),
 * recording into arrays, for one modelled version: the swiotlb era tests and the vector replay.
 */
import type { Kernel } from "../src/kernel.js";
import { PhysMem } from "../src/mm/physmem.js";
import { Cache } from "../src/mm/cache.js";
import { KernelFault, type FaultRecord } from "../src/core/faults.js";
import { findVersion } from "../src/versions.js";
import { swiotlb_era_for } from "../src/kernel/dma/swiotlb/index.js";
import { bug_site } from "../src/kernel/warn-sites.js";

export type SwiotlbKernel = Kernel & { logs: string[]; faults: FaultRecord[] };

/** What every fake kernel of the swiotlb tests shares: the current task, and fatal() / BUG() raising a KernelFault. */
export function fakeFaults() {
  return {
    current: { comm: "scenario", pid: 1000 },
    fatal(kind: "soft_lockup", message: string, pc?: string): never {
      throw new KernelFault({ kind, message, ...(pc ? { pc } : {}) });
    },
    BUG(message: string, pc?: string): never {
      throw new KernelFault({ kind: "bug", message: `kernel BUG: ${message}`, ...(pc ? { pc } : {}) });
    },
  };
}

export function swiotlbKernel(version: string, ram = { start: 0x8000_0000, size: 64 << 20 }, force: "normal" | "force" = "normal"): SwiotlbKernel {
  const v = findVersion(version);
  if (!v) throw new Error(`no modelled version ${version}`);
  const mem = new PhysMem([ram]);
  const cache = new Cache(mem);
  const pagingFault = (addr: number, pc?: string): never => {
    throw new KernelFault({ kind: "oops", message: `Unable to handle kernel paging request at virtual address ${addr.toString(16)}`, ...(pc ? { pc } : {}) });
  };
  const faults: FaultRecord[] = [];
  const logs: string[] = [];
  const once = new Set<string>();
  const warn = (message: string, pc?: string) => faults.push({ kind: "warn", message, ...(pc ? { pc } : {}) });
  return {
    mem,
    cache,
    tr: undefined,
    step: 0,
    faults,
    logs,
    io_tlb_default_mem: null,
    swiotlb_era: swiotlb_era_for(v.id),
    swiotlb_force: force,
    version: v,
    sw: Object.fromEntries([...v.switches].map((c) => [c, true])),
    warn,
    warnOnce(key: string, message: string, pc?: string) {
      if (once.has(key)) return;
      once.add(key);
      warn(message, pc);
    },
    log(message: string) {
      logs.push(message);
    },
    printk(_level: string, message: string) {
      logs.push(message);
    },
    dev_printk(_level: string, dev: { driver: string; name: string }, message: string) {
      logs.push(`${dev.driver} ${dev.name}: ${message}`); // dev_warn & co: a log line, not a WARN
    },
    firstTime(key: string) {
      if (once.has(key)) return false;
      once.add(key);
      return true;
    },
    ...fakeFaults(),
    BUG_ON(site: string, pc: string): never {
      throw new KernelFault({ kind: "bug", message: `kernel BUG at ${bug_site({ version: v } as unknown as Kernel, site)}!`, pc });
    },
    oops: pagingFault,
    // no page tables: kernel virtual addresses are physical ones (identity), and an access to a
    // frame that is not RAM faults as the paging request would
    kread(va: number, n: number, pc?: string): Uint8Array {
      for (let a = va; a < va + n; a += 1) if (!mem.isRam(a)) pagingFault(a, pc);
      return cache.cpuRead(va, n);
    },
    kreadInto(va: number, n: number, out: Uint8Array, pc?: string): Uint8Array {
      for (let a = va; a < va + n; a += 1) if (!mem.isRam(a)) pagingFault(a, pc);
      return cache.cpuReadInto(va, n, out, 0);
    },
    kwrite(va: number, data: Uint8Array, pc?: string): void {
      for (let a = va; a < va + data.length; a += 1) if (!mem.isRam(a)) pagingFault(a, pc);
      cache.cpuWrite(va, data);
    },
  } as unknown as SwiotlbKernel;
}

/** Run fn; return the kernel fault it raised (throws if none). */
export function faultOf(fn: () => unknown): FaultRecord {
  try {
    fn();
  } catch (e) {
    if (e instanceof KernelFault) return e.record;
    throw e;
  }
  throw new Error("expected a kernel fault");
}
