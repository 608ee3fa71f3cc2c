/**
 * The CPUs drivers/iommu/iova.c sees, answered by the kernel model: raw_smp_processor_id() is the CPU
 * the current scenario step runs on (a step's `cpu:`), num_possible_cpus() and num_online_cpus() the
 * run's config nr_cpus (every possible CPU is online: dmasim models no CPU hotplug). The same answers
 * the 6.0+ swiotlb areas get (src/kernel/dma/swiotlb/v6.0.ts).
 */
import type { Kernel } from "../../kernel.js";
import { IOVA_RANGE_CACHE_MAX_SIZE, type IovaCpus, type IovaDomain } from "./iova.js";

/** The kernel's CPUs as iova.c's raw_cpu_ptr / alloc_percpu / for_each_online_cpu see them. A class holding the kernel, so a copied model's domains ask their own kernel. */
export class KernelIovaCpus implements IovaCpus {
  constructor(readonly k: Kernel) {}
  /** raw_smp_processor_id(): the current step's CPU (0 until a step says otherwise). */
  raw_smp_processor_id(): number {
    return this.k.cpu ?? 0;
  }
  /** num_possible_cpus(): config nr_cpus (1 when unset). */
  num_possible_cpus(): number {
    return Math.max(1, this.k.cfg?.nr_cpus ?? 1);
  }
  /** num_online_cpus(): every possible CPU. */
  num_online_cpus(): number {
    return this.num_possible_cpus();
  }
}

/** A trace note for explain: whether alloc_iova_fast's pfn came from the calling CPU's range cache or from the rbtree. */
export function iova_source_note(k: Kernel, iovad: IovaDomain): void {
  const f = iovad.last_fast;
  if (!k.tr || !f) return;
  const who = iovad.cpus.num_possible_cpus() > 1 ? `CPU ${f.cpu}'s` : "the";
  if (f.from === "rcache") k.tr.note(`from ${who} range cache (bin ${f.bin}: ${2 ** f.bin}-page ranges), not the rbtree`);
  else if (f.bin >= IOVA_RANGE_CACHE_MAX_SIZE) k.tr.note(`from the rbtree (${2 ** f.bin} pages and more are never cached)`);
  else k.tr.note(`from the rbtree (${who} range cache had no ${2 ** f.bin}-page range below the limit)`);
}
