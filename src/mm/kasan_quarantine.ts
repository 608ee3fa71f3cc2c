/**
 * Generic KASAN's quarantine (mm/kasan/quarantine.c, 5.6–6.18): a kfree'd slab object is poisoned and
 * parked instead of going back to its cache's freelist, so a use after free is still caught after
 * later allocations (the object is not handed out again while it waits). Freed objects first queue on
 * the freeing CPU (`cpu_quarantine`, up to QUARANTINE_PERCPU_SIZE bytes of s->size), then move as a
 * whole to the tail batch of the global ring; kasan_quarantine_reduce, called from the KASAN allocation
 * hooks of a kmalloc that may block, gives back the oldest global batch once the global quarantine is
 * above its limit (1/32 of RAM less 1 MiB per online CPU), object by object (___cache_free: each to the
 * head of its cache's freelist).
 *
 * The same algorithm in every modelled tree (checked: 5.6.4 :124–240 quarantine_put / quarantine_reduce;
 * 5.12.9, 5.14-rc5, 5.15.178 kasan_quarantine_put / kasan_quarantine_reduce, 6.18.35 :185–305, which
 * also skips an object without free metadata — no kmalloc cache — and has per-CPU `offline` queues).
 * The scenario runs on one CPU (CPU 0); kasan_quarantine_remove_cache (kmem_cache_destroy) is not
 * modelled (kmalloc caches are never destroyed).
 *
 * Engine core: no node:*, no DOM.
 */
import type { Kernel } from "../kernel.js";
import type { KmemCache } from "./slub.js";
import { totalram_pages } from "./mm.js";
import { PAGE_SIZE } from "../core/u64.js";

/** QUARANTINE_PERCPU_SIZE (5.6–6.18) */
export const QUARANTINE_PERCPU_SIZE = 1 << 20;
/** QUARANTINE_FRACTION (5.6–6.18): the quarantine may hold 1/32 of RAM */
export const QUARANTINE_FRACTION = 32;

/**
 * QUARANTINE_BATCHES = max(1024, 4 * CONFIG_NR_CPUS), a build-time constant: CONFIG_NR_CPUS as each
 * arch's Kconfig defaults it — arm64 256 (5.6.4 … 6.6.63), 512 from 3fbd56f0e7c1 (6.12.19, 6.18.35);
 * x86_64 64; 32-bit ARM 4. Only arm64 from 3fbd56f0e7c1 passes 1024 (2048 batches).
 */
export function QUARANTINE_BATCHES(k: Kernel): number {
  const nr_cpus = k.arch.name === "arm64" ? (k.sw["3fbd56f0e7c1"] ? 512 : 256) : k.arch.name === "x86_64" ? 64 : 4;
  return Math.max(1024, 4 * nr_cpus);
}

/** struct qlist_head: the objects (their addresses and caches) in free order, and their bytes (s->size each) */
interface QList {
  objs: number[];
  caches: KmemCache[];
  bytes: number;
}

const qlist = (): QList => ({ objs: [], caches: [], bytes: 0 });

/** The quarantine's state (the statics of mm/kasan/quarantine.c and CPU 0's cpu_quarantine). */
export class KasanQuarantine {
  cpu_quarantine: QList = qlist();
  /** global_quarantine[QUARANTINE_BATCHES], made as the tail reaches a batch */
  readonly global_quarantine: QList[] = [];
  quarantine_head = 0;
  quarantine_tail = 0;
  quarantine_size = 0;
  /** 0 until the first kasan_quarantine_reduce that finds the quarantine non-empty sets it */
  quarantine_max_size = 0;
  quarantine_batch_size = 0;

  private batch(i: number): QList {
    return (this.global_quarantine[i] ??= qlist());
  }

  /** mm/kasan/quarantine.c quarantine_put (5.6–5.10) / kasan_quarantine_put (5.12–6.18): park a freed object */
  quarantine_put(k: Kernel, cache: KmemCache, object: number): void {
    const q = this.cpu_quarantine;
    q.objs.push(object);
    q.caches.push(cache);
    q.bytes += cache.size;
    if (q.bytes > QUARANTINE_PERCPU_SIZE) {
      // qlist_move_all(q, &temp); then under quarantine_lock onto the tail batch
      this.cpu_quarantine = qlist();
      this.quarantine_size += q.bytes;
      const into = this.quarantine_tail;
      const tail = this.batch(into);
      for (let i = 0; i < q.objs.length; i++) {
        tail.objs.push(q.objs[i]!);
        tail.caches.push(q.caches[i]!);
      }
      tail.bytes += q.bytes;
      if (tail.bytes >= this.quarantine_batch_size) {
        let new_tail = this.quarantine_tail + 1;
        if (new_tail === QUARANTINE_BATCHES(k)) new_tail = 0;
        if (new_tail !== this.quarantine_head) this.quarantine_tail = new_tail;
      }
      k.tr?.note(`KASAN quarantine: CPU 0's queue passed ${QUARANTINE_PERCPU_SIZE} bytes: ${q.objs.length} objects (${q.bytes} bytes) to global batch ${into}; ${this.quarantine_size} bytes quarantined`);
    }
  }

  /**
   * mm/kasan/quarantine.c quarantine_reduce (5.6–5.10) / kasan_quarantine_reduce (5.12–6.18): above the
   * limit, give the oldest global batch back to the slab freelists. `free` is ___cache_free for one object.
   */
  quarantine_reduce(k: Kernel, free: (cache: KmemCache, object: number) => void): void {
    if (this.quarantine_size <= this.quarantine_max_size) return;
    const total_size = Math.floor((totalram_pages(k) * PAGE_SIZE) / QUARANTINE_FRACTION);
    const percpu_quarantines = QUARANTINE_PERCPU_SIZE * Math.max(1, k.cfg.nr_cpus ?? 1);
    this.quarantine_max_size = total_size < percpu_quarantines ? 0 : total_size - percpu_quarantines;
    // "Aim at consuming at most 1/2 of slots in quarantine."
    this.quarantine_batch_size = Math.max(QUARANTINE_PERCPU_SIZE, Math.floor((2 * total_size) / QUARANTINE_BATCHES(k)));
    if (this.quarantine_size <= this.quarantine_max_size) return;
    const to_free = this.batch(this.quarantine_head);
    this.global_quarantine[this.quarantine_head] = qlist();
    this.quarantine_size -= to_free.bytes;
    this.quarantine_head++;
    if (this.quarantine_head === QUARANTINE_BATCHES(k)) this.quarantine_head = 0;
    k.tr?.note(`KASAN quarantine: above ${this.quarantine_max_size} bytes: the oldest batch (${to_free.objs.length} objects, ${to_free.bytes} bytes) goes back to the slab freelists`);
    // qlist_free_all: in free order, each to the head of its cache's freelist
    for (let i = 0; i < to_free.objs.length; i++) free(to_free.caches[i]!, to_free.objs[i]!);
  }

  /** Objects parked now (per-CPU queue and global batches). */
  get objects(): number {
    let n = this.cpu_quarantine.objs.length;
    for (const b of this.global_quarantine) if (b) n += b.objs.length;
    return n;
  }
}
