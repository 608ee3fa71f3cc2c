/**
 * The IOVA flush queue of non-strict ("lazy") DMA domains: per-CPU rings of IOVA_FQ_SIZE unmapped
 * ranges whose IOTLB entries have not been invalidated yet. queue_iova adds one; when the ring is
 * full (or IOVA_FQ_TIMEOUT ms after the first entry, when the timer fires) the whole domain's IOTLB
 * is flushed and the ranges go back to the IOVA allocator. Until then the device can still reach the
 * freed memory through its cached translations. One ring per possible CPU (alloc_percpu): queue_iova
 * adds to and frees from the current CPU's ring (raw_cpu_ptr), the flush counters and the timer are
 * the domain's, and fq_flush_timeout frees every CPU's ring (for_each_possible_cpu) on the CPU whose
 * timer base holds the timer: the one that armed it (mod_timer queues on the local CPU). The ranges a
 * ring gives back go to the range cache of the CPU doing the freeing.
 *
 * The same ring lived in drivers/iommu/iova.c (5.6–5.16: init_iova_flush_queue, queue_iova,
 * fq_ring_free, fq_flush_timeout, on the iova_domain) and moved to drivers/iommu/dma-iommu.c in 5.17
 * (iommu_dma_init_fq, on the cookie) with its behaviour unchanged: the file is the only difference,
 * so it is one model that reports the file it lives in. Read from ejga2001/linux-5.10.7 and
 * yishangzhang/linux-5.19.
 */
import type { Kernel } from "../../kernel.js";
import { sym, type Sym } from "../../core/trace.js";
import { hex } from "../../core/u64.js";
import type { IovaDomain } from "./iova.js";
import { iommu_flush_iotlb_all, type IommuDomain } from "./iommu.js";

/** IOVA_FQ_SIZE and IOVA_FQ_TIMEOUT (ms), 5.6–5.19. */
export const IOVA_FQ_SIZE = 256;
export const IOVA_FQ_TIMEOUT = 10;

interface FqEntry {
  iova_pfn: number;
  pages: number;
  counter: number;
}

/** struct iova_fq: one CPU's ring. */
interface IovaFq {
  entries: FqEntry[];
  head: number;
  tail: number;
}

export class IovaFlushQueue {
  /** the per-CPU rings (iovad->fq / cookie->fq / 6.6+ cookie->percpu_fq), one per possible CPU */
  private readonly fqs: IovaFq[] = [];
  flush_start_cnt = 0;
  flush_finish_cnt = 0;
  /** the model time (ms) the flush timer fires at, or -1 when it is not armed */
  timer_expires = -1;
  /** the CPU that armed the timer (mod_timer on its own timer base), where fq_flush_timeout runs */
  timer_cpu = 0;
  private readonly S_queue: Sym;
  private readonly S_flush: Sym;
  private readonly S_timeout: Sym;

  /** init_iova_flush_queue (iova.c, 5.6–5.16) / iommu_dma_init_fq (dma-iommu.c, 5.17+): timer_setup(fq_flush_timeout). */
  constructor(k: Kernel, readonly iovad: IovaDomain, readonly domain: IommuDomain, file: string) {
    k.timers.push(this);
    for (let cpu = 0; cpu < Math.max(1, iovad.cpus.num_possible_cpus()); cpu++) this.fqs.push({ entries: new Array(IOVA_FQ_SIZE), head: 0, tail: 0 });
    this.S_queue = sym("queue_iova", file);
    this.S_flush = sym(file.endsWith("iova.c") ? "iova_domain_flush" : "fq_flush_iotlb", file);
    this.S_timeout = sym("fq_flush_timeout", file);
  }

  /** raw_cpu_ptr(fq): the current CPU's ring. */
  private raw_cpu_ptr(): IovaFq {
    return this.fqs[this.iovad.cpus.raw_smp_processor_id()]!;
  }

  /** fq_full */
  private full(fq: IovaFq): boolean {
    return (fq.tail + 1) % IOVA_FQ_SIZE === fq.head;
  }

  /** fq_ring_free: give back every entry of one ring queued before the last completed flush (into the current CPU's range cache). */
  private ring_free(k: Kernel, fq: IovaFq): void {
    const counter = this.flush_finish_cnt;
    while (fq.head !== fq.tail) {
      const e = fq.entries[fq.head]!;
      if (e.counter >= counter) break;
      k.tr?.note(`IOVA ${hex(e.iova_pfn * this.iovad.granule)} (${e.pages} pages) back to the allocator after the IOTLB flush`);
      this.iovad.free_iova_fast(e.iova_pfn, e.pages);
      fq.head = (fq.head + 1) % IOVA_FQ_SIZE;
    }
  }

  /** iova_domain_flush / fq_flush_iotlb: invalidate the whole domain's IOTLB. */
  private flush(k: Kernel): void {
    k.tr?.enter(this.S_flush);
    this.flush_start_cnt++;
    iommu_flush_iotlb_all(k, this.domain);
    this.flush_finish_cnt++;
    k.tr?.exit();
  }

  /** queue_iova: defer freeing [pfn, pfn+pages) until the IOTLB has been flushed. */
  queue_iova(k: Kernel, pfn: number, pages: number, now: number): void {
    k.tr?.enter(this.S_queue, { pfn: hex(pfn), pages: String(pages) });
    const fq = this.raw_cpu_ptr();
    this.ring_free(k, fq);
    if (this.full(fq)) {
      k.tr?.note(`flush queue full (${IOVA_FQ_SIZE - 1} entries): flush the IOTLB now`);
      this.flush(k);
      this.ring_free(k, fq);
    }
    fq.entries[fq.tail] = { iova_pfn: pfn, pages, counter: this.flush_start_cnt };
    fq.tail = (fq.tail + 1) % IOVA_FQ_SIZE;
    if (this.timer_expires < 0) {
      this.timer_expires = now + IOVA_FQ_TIMEOUT;
      this.timer_cpu = this.iovad.cpus.raw_smp_processor_id();
    }
    k.tr?.note(`the IOTLB still holds whatever the device cached for IOVA ${hex(pfn * this.iovad.granule)} until the flush (timer at +${IOVA_FQ_TIMEOUT} ms)`);
    k.tr?.exit();
  }

  /** fq_flush_timeout: the timer fired (a struct timer_list whose expiry is timer_expires), on the CPU that armed it; every CPU's ring is freed. */
  timeout(k: Kernel): void {
    const cpu = k.cpu;
    k.cpu = this.timer_cpu; /* the callback runs on the armed CPU: its range cache takes the ranges */
    k.tr?.enter(this.S_timeout, this.fqs.length > 1 ? { cpu: String(this.timer_cpu) } : undefined);
    this.timer_expires = -1;
    this.flush(k);
    for (const fq of this.fqs) this.ring_free(k, fq); /* for_each_possible_cpu */
    k.tr?.exit();
    k.cpu = cpu;
  }

  /** Entries waiting for a flush, in every CPU's ring. */
  pending(): number {
    return this.fqs.reduce((n, fq) => n + (fq.tail - fq.head + IOVA_FQ_SIZE) % IOVA_FQ_SIZE, 0);
  }
}

/** IOVA_DEPOT_DELAY (ms), 6.7+ */
export const IOVA_DEPOT_DELAY = 100;

/**
 * The rcaches' delayed work of 6.7+ (drivers/iommu/iova.c iova_depot_work_func, 233045378dbb; read from
 * wishday/linux-6.12.y): pushing a magazine to a depot schedules it IOVA_DEPOT_DELAY later (a pending work is
 * not moved); each run gives one magazine back to the tree while the depot holds more than num_online_cpus()
 * (config nr_cpus) and schedules itself again.
 */
export class IovaDepotWork {
  /** the model time (ms) of the earliest pending run, or -1 */
  timer_expires = -1;
  /** per rcache bin: when its delayed work runs, or -1 */
  private readonly pending: number[] = [];
  private readonly S_work = sym("iova_depot_work_func", "drivers/iommu/iova.c");

  constructor(readonly k: Kernel, readonly iovad: IovaDomain) {
    k.timers.push(this);
    iovad.depot_work = this;
  }

  /** schedule_delayed_work(&rcache->work, IOVA_DEPOT_DELAY): no effect on a pending work. */
  schedule(bin: number): void {
    if ((this.pending[bin] ?? -1) >= 0) return;
    this.pending[bin] = this.k.now_ms + IOVA_DEPOT_DELAY;
    this.timer_expires = Math.min(...this.pending.filter((t) => t !== undefined && t >= 0));
  }

  /** The works whose time has come run (each as often as its 100 ms period fits before now). */
  timeout(k: Kernel): void {
    for (let bin = 0; bin < this.pending.length; bin++) {
      while ((this.pending[bin] ?? -1) >= 0 && this.pending[bin]! <= k.now_ms) {
        const at = this.pending[bin]!;
        this.pending[bin] = -1;
        k.tr?.enter(this.S_work, { bin: String(bin), depot_size: String(this.iovad.depot_size(bin)) });
        const again = this.iovad.iova_depot_work_func(bin, this.iovad.cpus.num_online_cpus());
        k.tr?.exit(again ? `one magazine back to the tree; ${this.iovad.depot_size(bin)} left, again in ${IOVA_DEPOT_DELAY} ms` : "depot small enough");
        if (again) this.pending[bin] = at + IOVA_DEPOT_DELAY;
      }
    }
    const live = this.pending.filter((t) => t !== undefined && t >= 0);
    this.timer_expires = live.length ? Math.min(...live) : -1;
  }
}
