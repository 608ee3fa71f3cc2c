/**
 * The IOVA flush queue of non-strict ("lazy") DMA domains: per-CPU rings of IOVA_FQ_SIZE unmapped
 * ranges whose IOTLB entries have not been invalidated yet. queue_iova adds one; when the ring is
 * full (or IOVA_FQ_TIMEOUT ms after the first entry, when the timer fires) the whole domain's IOTLB
 * is flushed and the ranges go back to the IOVA allocator. Until then the device can still reach the
 * freed memory through its cached translations. One CPU is modelled.
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

export class IovaFlushQueue {
  private readonly entries: FqEntry[] = new Array(IOVA_FQ_SIZE);
  head = 0;
  tail = 0;
  flush_start_cnt = 0;
  flush_finish_cnt = 0;
  /** the model time (ms) the flush timer fires at, or -1 when it is not armed */
  timer_expires = -1;
  private readonly S_queue: Sym;
  private readonly S_flush: Sym;
  private readonly S_timeout: Sym;

  /** init_iova_flush_queue (iova.c, 5.6–5.16) / iommu_dma_init_fq (dma-iommu.c, 5.17+): timer_setup(fq_flush_timeout). */
  constructor(k: Kernel, readonly iovad: IovaDomain, readonly domain: IommuDomain, file: string) {
    k.timers.push(this);
    this.S_queue = sym("queue_iova", file);
    this.S_flush = sym(file.endsWith("iova.c") ? "iova_domain_flush" : "fq_flush_iotlb", file);
    this.S_timeout = sym("fq_flush_timeout", file);
  }

  /** fq_full */
  private full(): boolean {
    return (this.tail + 1) % IOVA_FQ_SIZE === this.head;
  }

  /** fq_ring_free: give back every entry queued before the last completed flush. */
  private ring_free(k: Kernel): void {
    const counter = this.flush_finish_cnt;
    while (this.head !== this.tail) {
      const e = this.entries[this.head]!;
      if (e.counter >= counter) break;
      k.tr?.note(`IOVA ${hex(e.iova_pfn * this.iovad.granule)} (${e.pages} pages) back to the allocator after the IOTLB flush`);
      this.iovad.free_iova_fast(e.iova_pfn, e.pages);
      this.head = (this.head + 1) % IOVA_FQ_SIZE;
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
    this.ring_free(k);
    if (this.full()) {
      k.tr?.note(`flush queue full (${IOVA_FQ_SIZE - 1} entries): flush the IOTLB now`);
      this.flush(k);
      this.ring_free(k);
    }
    this.entries[this.tail] = { iova_pfn: pfn, pages, counter: this.flush_start_cnt };
    this.tail = (this.tail + 1) % IOVA_FQ_SIZE;
    if (this.timer_expires < 0) this.timer_expires = now + IOVA_FQ_TIMEOUT;
    k.tr?.note(`the IOTLB still holds whatever the device cached for IOVA ${hex(pfn * this.iovad.granule)} until the flush (timer at +${IOVA_FQ_TIMEOUT} ms)`);
    k.tr?.exit();
  }

  /** fq_flush_timeout: the timer fired (a struct timer_list whose expiry is timer_expires). */
  timeout(k: Kernel): void {
    k.tr?.enter(this.S_timeout);
    this.timer_expires = -1;
    this.flush(k);
    this.ring_free(k);
    k.tr?.exit();
  }

  /** Entries waiting for a flush. */
  pending(): number {
    return (this.tail - this.head + IOVA_FQ_SIZE) % IOVA_FQ_SIZE;
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
